import UKeyTestCA
import CPCSCLite
import Foundation
import ISO7816
import PCSC
import UKey

/// Issue 6's host-library benchmark: `Token` operations through pcscd + our driver + the
/// emulator (confirmations approved by the emulator), next to the same PC/SC calls made with
/// the C API directly (SCardBeginTransaction, SCardTransmit of the very APDUs the library sends,
/// 61xx answered with GET RESPONSE, SCardEndTransaction), in interleaved rounds of one run.
/// The aim: the library costs under 10% over raw PC/SC.
enum HostLibraryBenchmark {
    static let pin: Secret = "24681357"

    static func run(binary: String, operations: Int = 300, rounds: Int = 3) async throws {
        print("\n## Host library through pcscd + libifd-ukey.so + emulator vs raw SCardTransmit (same APDUs, same run)\n")
        if let missing = BenchPCSCD.driverMissing {
            print("skipped: \(missing)")
            return
        }
        let directory = try BenchDirectory()
        let socket = directory.file("u.sock")
        let emulator = try BenchEmulator(binary: binary, arguments: ["--state", directory.file("state"), "--listen", "unix:" + socket,
                                                                     "--confirm", "approve"], directory: directory)
        defer {
            emulator.stop()
            directory.remove()
        }
        try emulator.waitUntilListening()
        let pcscd = try BenchPCSCD(directory: directory, driverDevice: "usbip:unix:\(socket)/1-1")
        defer { pcscd.stop() }
        // libpcsclite reads the socket path once, at the first context of the process.
        setenv("PCSCLITE_CSOCK_NAME", pcscd.socketPath, 1)
        let context = try PCSCContext()
        let found = try await waitForToken(context)
        defer { found.channel.close() }
        let token = found.token
        let ca = try TestCertificateAuthority()
        _ = try await token.personalize(factoryPIN: Secret(BenchEmulator.factoryPIN), newPIN: pin, subject: "CN=Bench") {
            request, transferKey in try ca.issueTransferCertificate(for: request, recordedTransferKey: transferKey)
        }
        // SIGN uses the authentication key.
        _ = try await token.generateKey(.authentication)
        let raw = try RawPCSC(reader: found.reader)
        defer { raw.close() }

        let digest = DigestAlgorithm.sha256.hash(Array("bench".utf8))
        let transfer = Transfer(payeeAccount: "6222020200112233", payeeName: "Li Si", amount: "10.00", currency: "CNY")
        let challenge = [UInt8](repeating: 0x42, count: 32)
        let select = BankingAPDUs.select
        let verify = BankingAPDUs.verify(pin.bytes)
        let sign = BankingAPDUs.sign(DigestAlgorithm.sha256.digestInfoPrefix + digest)
        let confirm = BankingAPDUs.confirm(transfer.commandData(challenge: challenge))

        struct Row { let name: String; var library: [Double] = []; var raw: [Double] = [] }
        var rows = [Row(name: "verify PIN"), Row(name: "sign (SHA-256 digest)"), Row(name: "confirm transfer (auto-approve)")]
        print("\(operations) operations (\(operations / 3) confirmations) per round, median of \(rounds) interleaved rounds.\n")
        for _ in 0..<rounds {
            rows[0].library.append(try await rate(operations) { try await token.verifyPIN(pin) })
            rows[0].raw.append(try rate(operations) { try raw.operation([select, verify]) })
            rows[1].library.append(try await rate(operations) { _ = try await token.sign(digest: digest) })
            rows[1].raw.append(try rate(operations) { try raw.operation([select, sign]) })
            rows[2].library.append(try await rate(operations / 3) { _ = try await token.confirmTransfer(transfer, challenge: challenge) })
            rows[2].raw.append(try rate(operations / 3) { try raw.operation([select, BankingAPDUs.getCertificate, confirm]) })
        }
        print("| operation | library per second | raw PC/SC per second (reference) | library ÷ raw | library overhead (aim < 10%) |")
        print("|---|---:|---:|---:|---:|")
        for row in rows {
            let library = Measure.median(row.library), rawRate = Measure.median(row.raw)
            let overhead = (rawRate / library - 1) * 100
            print("| \(row.name) | \(Measure.format(library)) | \(Measure.format(rawRate)) | \(Measure.format(library / rawRate, 2)) "
                  + "| \(Measure.format(overhead, 1))% \(overhead < 10 ? "✓" : "✗") |")
            Headlines.add("host library \(row.name) per second", ratio: library / rawRate, reference: "raw SCardTransmit of the same APDUs",
                          aim: ("≥ 0.91 (overhead < 10%)", overhead < 10))
        }
    }

    static func waitForToken(_ context: PCSCContext) async throws -> TokenFinder.Found {
        let deadline = Date().addingTimeInterval(20)
        while true {
            do { return try await TokenFinder(context: context).token() } catch {
                guard Date() < deadline else { throw BenchError("no token behind the private pcscd after 20 s: \(error)") }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
    }

    static func rate(_ count: Int, _ body: () async throws -> Void) async rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try await body() }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func rate(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        try Measure.duration(count: count, body).reciprocal
    }
}

/// The banking applet's APDUs as a raw PC/SC client would hard-code them.
enum BankingAPDUs {
    static let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]
    static let getCertificate: [UInt8] = [0x00, 0xCA, 0x01, 0x11, 0x00]   // the transfer key's certificate
    static func verify(_ pin: [UInt8]) -> [UInt8] { [0x00, 0x20, 0x00, 0x81, UInt8(pin.count)] + pin }
    static func sign(_ digestInfo: [UInt8]) -> [UInt8] { [0x00, 0x2A, 0x9E, 0x9A, UInt8(digestInfo.count)] + digestInfo + [0x00] }
    static func confirm(_ body: [UInt8]) -> [UInt8] { [0x80, 0xC0, 0x00, 0x00, UInt8(body.count)] + body + [0x00] }
}

/// The C API with nothing around it: one SCARDCONTEXT and SCARDHANDLE, a transaction per
/// operation, 61xx answered with GET RESPONSE.
final class RawPCSC {
    var context: SCARDCONTEXT = 0
    var card: SCARDHANDLE = 0
    var buffer = [UInt8](repeating: 0, count: 65_538)

    init(reader: String) throws {
        guard SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context) == SCARD_S_SUCCESS else {
            throw BenchError("SCardEstablishContext failed")
        }
        var protocolInUse: DWORD = 0
        guard SCardConnect(context, reader, DWORD(SCARD_SHARE_SHARED), DWORD(SCARD_PROTOCOL_T1), &card, &protocolInUse) == SCARD_S_SUCCESS else {
            throw BenchError("SCardConnect failed")
        }
    }

    func close() {
        SCardDisconnect(card, DWORD(SCARD_LEAVE_CARD))
        SCardReleaseContext(context)
    }

    /// One operation: a transaction around `apdus`, each followed by GET RESPONSE while 61xx.
    func operation(_ apdus: [[UInt8]]) throws {
        guard SCardBeginTransaction(card) == SCARD_S_SUCCESS else { throw BenchError("SCardBeginTransaction failed") }
        defer { SCardEndTransaction(card, DWORD(SCARD_LEAVE_CARD)) }
        for apdu in apdus {
            var sw = try transmit(apdu)
            while sw >> 8 == 0x61 { sw = try transmit([0x00, 0xC0, 0x00, 0x00, UInt8(sw & 0xFF)]) }
            guard sw == 0x9000 else { throw BenchError("raw APDU answered \(String(sw, radix: 16))") }
        }
    }

    private func transmit(_ apdu: [UInt8]) throws -> UInt16 {
        var length = DWORD(buffer.count)
        var pci = g_rgSCardT1Pci
        let result = SCardTransmit(card, &pci, apdu, DWORD(apdu.count), nil, &buffer, &length)
        guard result == SCARD_S_SUCCESS, length >= 2 else { throw BenchError("SCardTransmit failed: \(result)") }
        return UInt16(buffer[Int(length) - 2]) << 8 | UInt16(buffer[Int(length) - 1])
    }
}

private extension Double {
    var reciprocal: Double { 1 / self }
}

private extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
