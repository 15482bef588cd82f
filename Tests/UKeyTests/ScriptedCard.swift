import ISO7816
import Synchronization
import UKey

/// An in-memory card for runner tests: answers each command with `respond` and records what it
/// received, so a test can check the exact bytes a transcript sent.
final class ScriptedCard: CardChannel {
    private let log = Mutex<[[UInt8]]>([])
    private let respond: @Sendable ([UInt8]) throws -> [UInt8]

    init(_ respond: @escaping @Sendable ([UInt8]) throws -> [UInt8]) {
        self.respond = respond
    }

    /// The commands received so far.
    var received: [[UInt8]] { log.withLock { $0 } }

    func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        log.withLock { $0.append(command) }
        do { return try respond(command) }
        catch { throw .transport(String(describing: error)) }
    }

    struct Unplugged: Error, CustomStringConvertible {
        var description: String { "the card was removed" }
    }

    /// A tiny token: SELECT answers an FCI, VERIFY accepts PIN 123456 (else 63C2), INS EE echoes
    /// its data, INS 84 returns 8 fixed bytes, INS FF throws like a removed card, anything else
    /// is 6D00. When `key` is given, READ PUBLIC KEY returns its 7F49 template and SIGN / INTERNAL
    /// AUTHENTICATE sign like the banking applet.
    static func miniToken(key: TestRSAKey? = nil) -> ScriptedCard {
        ScriptedCard { bytes in
            let command = try CommandAPDU(parsing: bytes)
            var data: [UInt8] = []
            var sw = StatusWord.success
            switch command.ins {
            case 0xA4: data = TLV(tag: 0x6F, children: [TLV(tag: 0x84, value: command.data)]).bytes
            case 0x20: sw = command.data == Array("123456".utf8) ? .success : .verificationFailed(triesLeft: 2)
            case 0xEE: data = command.data
            case 0x84: data = [1, 2, 3, 4, 5, 6, 7, 8]
            case 0xFF: throw Unplugged()
            case 0x47 where key != nil: data = key!.publicKey.publicKeyTemplate
            case 0x2A where key != nil: data = key!.signPKCS1(command.data)
            case 0x88 where key != nil: data = key!.signPKCS1(DigestAlgorithm.sha256.digestInfo(of: command.data))
            default: sw = .insNotSupported
            }
            return data + sw.bytes
        }
    }
}
