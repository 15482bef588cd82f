import UKeyTestCA
import UKeyBank
import HostPlatform
import ISO7816
import UKey
import UKeyInProcess

/// A UKey token in memory, personalized the way a bank's client would do it with raw APDUs
/// (ARCHITECTURE.md, "The banking applet"): factory PIN changed, RSA-1024 transfer key generated
/// on the card (approved by the simulated holder), certificate from a test CA stored on it. It confirms transfers like a holder pressing
/// OK, giving genuine ``SignedTransfer``s for the verifier tests. Test code only: the host
/// library's `Token` API is a separate piece of work.
final class BankTestToken: Sendable {
    static let factoryPIN = "123456"
    static let pin = "24681357"

    let serial: [UInt8]
    let channel: InProcessToken<MemoryNVM>
    let publicKey: RSAPublicKey
    /// The certificate on the card (DER).
    let certificate: [UInt8]

    /// `serial` in the upper-case hex that certificate subjects carry.
    var serialHex: String { serial.hexString }

    /// Manufactures, personalizes and certifies a token. `subject` defaults to
    /// `CN=Test Holder, serialNumber=<serial hex>`; `certify` may replace the CA's issuance.
    init(serial: [UInt8], ca: TestCertificateAuthority, subject: String? = nil, days: Int = 365) async throws {
        self.serial = serial
        channel = try InProcessToken.manufactured(serial: serial, pin: Self.factoryPIN, puk: "87654321")
        _ = try await Self.send(channel, cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x0C, data: [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01])
        let old = Array(Self.factoryPIN.utf8), new = Array(Self.pin.utf8)
        _ = try await Self.send(channel, cla: 0x00, ins: 0x24, p1: 0x00, p2: 0x81,
                                data: [UInt8(old.count)] + old + [UInt8(new.count)] + new)
        let template = try await Self.send(channel, cla: 0x00, ins: 0x47, p1: 0x80, p2: 0x01, data: [0x80, 0x01, 0x01], ne: 256)
        publicKey = try RSAPublicKey(publicKeyTemplate: template)
        certificate = try ca.issue(for: publicKey, subject: subject ?? "CN=Test Holder, serialNumber=\(serial.hexString)", days: days)
        _ = try await Self.send(channel, cla: 0x00, ins: 0xDA, p1: 0x01, p2: 0x11, data: certificate)
    }

    /// CONFIRM TRANSFER of `transfer` with `challenge`, approved by the simulated holder:
    /// `7C {70 DTBS, 9E signature}`, returned with this token's certificate, or `presenting`.
    func confirm(_ transfer: Transfer, challenge: [UInt8], presenting certificate: [UInt8]? = nil) async throws -> SignedTransfer {
        let response = try await Self.send(channel, cla: 0x80, ins: 0xC0, p1: 0, p2: 0,
                                           data: transfer.commandData(challenge: challenge), ne: 65_536)
        let template = try TLV(parsing: response)
        guard template.tag == 0x7C, let dtbs = try template.children().first(0x70),
              let signature = try template.children().first(0x9E) else { throw BankTestTokenError.unexpected(response) }
        return try SignedTransfer(dtbs: dtbs.bytes, signature: signature.value, certificate: certificate ?? self.certificate)
    }

    /// Confirms the transfer an issued challenge was made for.
    func confirm(_ issued: IssuedChallenge) async throws -> SignedTransfer {
        try await confirm(issued.transfer, challenge: issued.challenge)
    }

    /// Sends one command; returns its data when the status word is 9000, else throws.
    private static func send(_ channel: InProcessToken<MemoryNVM>, cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8,
                             data: [UInt8] = [], ne: Int? = nil) async throws -> [UInt8] {
        let command = try CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, ne: ne)
        let response = try ResponseAPDU(parsing: try await channel.transmit(command.bytes))
        guard response.statusWord == StatusWord(0x9000) else { throw BankTestTokenError.status(ins: ins, response.statusWord) }
        return response.data
    }
}

enum BankTestTokenError: Error {
    case status(ins: UInt8, StatusWord)
    case unexpected([UInt8])
}
