import UKeyArguments
import UKeyBank
import ArgumentParser
import Foundation
import UKey

/// `ukey transfer unsuspend --bank DIR --serial HEX`: lifts the suspension the bank put on a
/// token whose counter went back over a fresh challenge (`counterRegressed`: a copied or
/// restored card).
struct TransferUnsuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsuspend",
        abstract: "Lift the bank's suspension of a token refused as possibly cloned (counterRegressed).",
        discussion: """
            The bank suspends a token when a signed transfer carries a counter at or below the last \
            one it accepted over a challenge issued after that acceptance, which only a copied or \
            restored card can sign. Every transfer of the token is then refused (tokenSuspended) \
            until this command. The last accepted counter stays: make sure which card is genuine first.

            Example: ukey transfer unsuspend --bank bank --serial 554B00000000002A
            """)

    @Option(help: "The bank's directory (ca-cert.pem, policy.json, bank.sqlite).", transform: AbsolutePath.file)
    var bank: String

    @Option(help: "The token's serial (hex).")
    var serial: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Result: Encodable {
        let serial: String
        let wasSuspended: Bool
    }

    mutating func run() async throws {
        try await Output.run(json: json) {
            guard let bytes = [UInt8](hex: serial), !bytes.isEmpty else { throw CLIError("badHex", "--serial is not hex") }
            let verifier = try TransferVerifier(directory: URL(fileURLWithPath: bank))
            let result = Result(serial: bytes.hexString, wasSuspended: try verifier.unsuspend(tokenSerial: bytes))
            try Output.emit(result, json: json) {
                $0.wasSuspended ? "token \($0.serial) is no longer suspended" : "token \($0.serial) was not suspended"
            }
        }
    }
}
