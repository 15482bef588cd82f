import UKeyTestCA
import COpenSSL
import Foundation
import HostPlatform
import ISO7816
import Testing
import UKey
import UKeyInProcess

@Suite("The personalization transcript against the firmware in memory")
struct InProcessTranscriptTests {
    static let environment = ["FACTORY_PIN": "123456", "PIN": "24681357"]

    func transcript() throws -> Transcript {
        let url = try #require(Bundle.module.url(forResource: "personalize", withExtension: "ukey", subdirectory: "Transcripts"))
        return try Transcript(parsing: String(contentsOf: url, encoding: .utf8))
    }

    func token() throws -> InProcessToken<MemoryNVM> {
        try InProcessToken.manufactured(serial: [0x55, 0x4B, 0, 0, 0, 0, 0, 0x2A],
                                        pin: Self.environment["FACTORY_PIN"]!, puk: "87654321")
    }

    @Test("personalize, sign, log in and confirm a transfer; OpenSSL verifies every signature")
    func personalize() async throws {
        let token = try token()
        let runner = TranscriptRunner(channel: token, steps: TranscriptSteps.standard(ca: try TestCertificateAuthority()),
                                      environment: Self.environment)
        let result = try await runner.run(try transcript())
        #expect(result.exchanges.count == 17, "every command of the transcript ran")
        #expect(result.captures["serial"] == "554B00000000002A")
        let publicKey = try RSAPublicKey(publicKeyTemplate: [UInt8](hex: result.captures["pubkey"]!)!)
        #expect(publicKey.bitCount == 1024)

        // No response carries private-key material: no 16-byte run of d, p, q, dP, dQ or qInv.
        let secrets = try privateComponents(of: token)
        #expect(secrets.count == 12, "the transfer and the authentication key, 6 numbers each")
        for exchange in result.exchanges {
            let data = exchange.response.data
            for secret in secrets {
                for start in stride(from: 0, to: secret.count - 16, by: 8) {
                    #expect(!contains(data, Array(secret[start..<start + 16])), "line \(exchange.line) leaks key bytes")
                }
            }
        }
    }

    /// The private RSA numbers inside the token's banking key blobs (records 0110–0112, read from
    /// its NVM, as only a test can).
    func privateComponents(of token: InProcessToken<MemoryNVM>) throws -> [[UInt8]] {
        try (UInt16(0x0110)...0x0112).flatMap { id -> [[UInt8]] in
            guard let bytes = token.platform.memory.read(id) else { return [] }
            return try privateComponents(ofKeyRecord: bytes)
        }
    }

    func privateComponents(ofKeyRecord bytes: [UInt8]) throws -> [[UInt8]] {
        let record = try TLV(parsing: bytes)
        let blob = try #require(try record.children().first(0x83)).value
        let key = try #require(blob.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        })
        defer { EVP_PKEY_free(key) }
        return ["d", "rsa-factor1", "rsa-factor2", "rsa-exponent1", "rsa-exponent2", "rsa-coefficient1"].compactMap { name in
            var number: OpaquePointer? = nil
            guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return nil }
            defer { BN_free(number) }
            var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
            BN_bn2bin(number, &bytes)
            return bytes
        }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    @Test("the same transcript fails when the holder cancels: the new transfer key is refused with 6985")
    func deniedTransfer() async throws {
        let denying = try InProcessToken.manufactured(serial: [1, 2, 3, 4, 5, 6, 7, 8], pin: "123456", puk: "87654321",
                                                      confirmation: .deny)
        let runner = TranscriptRunner(channel: denying, steps: TranscriptSteps.standard(ca: try TestCertificateAuthority()),
                                      environment: Self.environment)
        let script = try transcript()
        do throws(TranscriptFailure) {
            _ = try await runner.run(script)
            Issue.record("a denied transfer must fail the transcript")
        } catch {
            #expect(error.kind == .mismatch)
            #expect(error.response?.hasSuffix("6985") == true, "\(error)")
        }
    }

    @Test("secrets are redacted from the trace: no PIN appears in any exchange")
    func redactedTrace() async throws {
        let lines = TraceLines()
        let runner = TranscriptRunner(channel: try token(), steps: TranscriptSteps.standard(ca: try TestCertificateAuthority()),
                                      environment: Self.environment, trace: { lines.append($0.description) })
        _ = try await runner.run(try transcript())
        let text = lines.all.joined(separator: "\n")
        #expect(!text.isEmpty)
        for secret in Self.environment.values {
            #expect(!text.contains(Array(secret.utf8).hexString), "the PIN's hex is not in the trace")
            #expect(!text.contains(secret))
        }
    }
}

/// Collects trace lines from the runner's callback.
final class TraceLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
