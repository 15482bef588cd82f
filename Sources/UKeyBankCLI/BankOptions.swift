import ArgumentParser
import Foundation
import UKey
import UKeyArguments
import UKeyBank
import UKeyBankServer

/// `--bank DIR [--database URL]`: where the bank's trust anchor, policy and state are.
struct BankOptions: ParsableArguments {
    @Option(help: "The bank's directory (ca-cert.pem, policy.json, its state).", transform: AbsolutePath.file)
    var bank: String

    @Option(help: "A PostgreSQL URL for the bank's state (postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=SOCKDIR).")
    var database: String?

    /// The verifier over the bank, through the one function the service uses too.
    func verifier() throws -> TransferVerifier {
        try BankService.makeVerifier(directory: URL(fileURLWithPath: bank), database: database)
    }
}

/// A failure the command reports in one line (exit status 1).
struct BankCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reading and writing files, `-` being standard input or output.
enum BankFiles {
    static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BankCommandError("\(path): cannot read it")
        }
    }

    static func write(_ text: String, to path: String?) throws {
        guard let path else { return }
        if path == "-" { print(text, terminator: ""); return }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw BankCommandError("\(path): cannot write it")
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
