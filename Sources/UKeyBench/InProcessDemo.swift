import UKeyTestCA
import BankingProtocol
import CardOS
import Foundation
import HostPlatform
import ISO7816
import TokenDevice
import UKey
import UKeyInProcess
import PIVApplet

/// `make demo` until the emulator and driver exist: the whole banking flow against the firmware
/// running in this process — personalize the token, certify its key, confirm a transfer on the
/// token's screen, and check the signed transfer as the bank would.
enum InProcessDemo {
    static func run() async throws {
        let factoryPIN = "123456", factoryPUK = "12345678", holderPIN = "24681357"
        let presence = HostPresence()
        presence.onShow = { screen in
            print("    ┌────────────────┐  page \(screen.page + 1)/\(screen.pageCount)")
            for line in screen.lines + Array(repeating: "", count: Screen.lineCount - screen.lines.count) {
                print("    │\(line)\(String(repeating: " ", count: Screen.columnCount - ValueLines.columns(of: line)))│")
            }
            print("    └────────────────┘")
        }
        let memory = MemoryNVM()
        try TokenFirmware<InProcessToken<MemoryNVM>.TokenPlatform>.manufacture(
            memory, serial: Array("UKDEMO01".utf8), pin: Array(factoryPIN.utf8), puk: Array(factoryPUK.utf8),
            piv: .wellKnownDefaults)
        let token = InProcessToken(memory: memory, confirmation: .approve, presence: presence)
        let session = DemoSession(channel: token)

        print("1. A factory-fresh token (serial UKDEMO01) — the PIN must be changed before any signature.")
        try await session.expect("00A4040C06F0554B455901", "9000", "select the banking applet")
        try await session.expect(apdu("00240081", lengthPrefixed(factoryPIN) + lengthPrefixed(holderPIN)), "9000", "change the factory PIN")

        print("2. The token generates its RSA-1024 transfer key (the holder approves it on the device); the bank's CA certifies it.")
        let publicKeyTemplate = try await session.expect(apdu("00478001", [0x80, 0x01, 0x01], le: true), "9000", "generate the transfer key")
        let publicKey = try RSAPublicKey(publicKeyTemplate: publicKeyTemplate)
        let ca = try TestCertificateAuthority()
        let certificate = try ca.issue(for: publicKey, subject: "CN=UKey demo holder, serialNumber=UKDEMO01")
        try await session.expect(apdu("00DA0111", certificate), "9000", "store the transfer certificate (\(certificate.count) bytes)")

        print("3. The bank asks the holder to confirm a transfer; the token shows it and waits for OK.")
        let challenge = try [UInt8](randomCount: 16)
        let transfer = TLV(tag: 0x70, children: [
            TLV(tag: 0x80, value: Array("DE89370400440532013000".utf8)),
            TLV(tag: 0x81, value: Array("Zhang San".utf8)),
            TLV(tag: 0x82, value: Array("1234.56".utf8)),
            TLV(tag: 0x83, value: Array("CNY".utf8)),
            TLV(tag: 0x84, value: Array("Invoice 42".utf8)),
            TLV(tag: 0x85, value: challenge),
        ])
        let signed = try await session.expect(apdu("80C00000", transfer.bytes, le: true), "9000", "the holder pressed OK")

        print("4. The bank checks the signed transfer.")
        let parts = try TLV(parsing: signed).children()
        guard let dtbs = parts.first(0x70), let signature = parts.first(0x9E) else { throw DemoError.failed("no DTBS") }
        let card = try Certificate(der: certificate)
        let chainOK = card.verify(issuedBy: ca.certificate)
        let signatureOK = card.publicKey.verify(signature: signature.value, data: dtbs.bytes)
        let fields = try dtbs.children()
        let fieldsOK = Array(fields.prefix(6)) == (try transfer.children())
        let counter = fields.first(0x87)?.value.reduce(0) { $0 << 8 | UInt32($1) } ?? 0
        print("   certificate issued by the bank's CA: \(chainOK ? "yes" : "NO")")
        print("   signature over the data shown on the token: \(signatureOK ? "valid" : "INVALID")")
        print("   fields equal to the transfer the bank sent: \(fieldsOK ? "yes" : "NO"); signature counter \(counter)")
        guard chainOK, signatureOK, fieldsOK else { throw DemoError.failed("the bank rejected the transfer") }
        print("Done: the transfer was confirmed on the token and accepted by the bank.")
    }

    static func apdu(_ header: String, _ data: [UInt8], le: Bool = false) -> [UInt8] {
        let head = [UInt8](hex: header)!
        return try! CommandAPDU(cla: head[0], ins: head[1], p1: head[2], p2: head[3], data: data,
                                ne: le ? (data.count > 255 ? 65_536 : 256) : nil).bytes
    }

    static func lengthPrefixed(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
}

/// Sends APDUs, prints one line per exchange (PIN commands redacted), and insists on the status.
struct DemoSession {
    let channel: any CardChannel

    @discardableResult
    func expect(_ hex: String, _ status: String, _ what: String) async throws -> [UInt8] {
        try await expect([UInt8](hex: hex)!, status, what)
    }

    @discardableResult
    func expect(_ command: [UInt8], _ status: String, _ what: String) async throws -> [UInt8] {
        var response = try ResponseAPDU(parsing: try await channel.transmit(command))
        var data = response.data
        while response.statusWord.sw1 == 0x61 {
            response = try ResponseAPDU(parsing: try await channel.transmit([0x00, 0xC0, 0x00, 0x00, 0x00]))
            data += response.data
        }
        print("   \(what): \(response.statusWord)")
        guard hexWord(response.statusWord.rawValue) == status else { throw DemoError.failed(what) }
        return data
    }
}

enum DemoError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let step): return "demo failed at: \(step)" }
    }
}

extension Array where Element == UInt8 {
    init(randomCount count: Int) throws {
        var generator = SystemRandomNumberGenerator()
        self = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
