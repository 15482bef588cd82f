import ArgumentParser
import Foundation
import UKeyArguments
import UKeyBank
import UKeyBankPostgres

/// `ukey-bank migrate --bank DIR [--database URL]`: applies the store's schema migrations alone
/// (`DIR/bank.sqlite`, or the PostgreSQL database) and prints the schema version.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the bank store's schema migrations and exit.")

    @OptionGroup var bank: BankOptions

    func run() async throws {
        print(try BankStoreCalls.migrate(bank))
    }
}

/// `ukey-bank import-state OLDBANKDIR --bank DIR [--database URL]`: imports an old `state.json` once.
struct ImportStateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-state",
        abstract: "Import an old bank directory's state.json into the store, once.")

    @Argument(help: "The bank directory whose state.json is imported.", transform: AbsolutePath.file)
    var from: String

    @OptionGroup var bank: BankOptions

    func run() async throws {
        print(try BankStoreCalls.importState(from: URL(fileURLWithPath: from), into: bank))
    }
}

/// The store calls these commands make, one each.
enum BankStoreCalls {
    /// Opens the store alone (which applies the migrations it lacks, under the engine's
    /// migration lock): no policy seeding, no import.
    static func migrate(_ bank: BankOptions) throws -> String {
        let store: SQLBankStore
        if let database = bank.database {
            store = try SQLBankStore.postgres(database)
        } else {
            store = try SQLBankStore.sqlite(path: try BankDirectory(URL(fileURLWithPath: bank.bank)).databasePath)
        }
        return "schema version \(try store.schemaVersion())"
    }

    /// `from/state.json` into the store of `bank`. The bank's own directory: opening its verifier
    /// imports it and renames it `state.json.imported`. Another directory: its file is imported
    /// and left as it is; a store that imported a state already refuses a second one.
    static func importState(from: URL, into bank: BankOptions) throws -> String {
        let source = try BankDirectory(from)
        guard let json = try source.legacyState() else {
            throw BankCommandError("\(from.path): no \(BankDirectory.stateFileName) to import")
        }
        let verifier = try bank.verifier()
        if from.standardizedFileURL.path == URL(fileURLWithPath: bank.bank).standardizedFileURL.path {
            return "imported \(BankDirectory.stateFileName) (renamed \(BankDirectory.importedStateFileName))"
        }
        guard try verifier.store.importState(json: json, policy: verifier.policy) else {
            throw BankCommandError("the store imported a \(BankDirectory.stateFileName) already; \(from.path)'s is not imported")
        }
        return "imported \(BankDirectory.stateFileName)"
    }
}
