import ArgumentParser
import Foundation
import UKeyBank

/// `ukey-bank migrate --bank DIR [--database URL]`: applies the store's schema migrations alone.
///
/// MERGE POINT (issue 17's store): the store with versioned migrations comes with the other
/// half of the issue; its one call goes in ``BankStoreCalls/migrate(_:)``.
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
///
/// MERGE POINT (issue 17's store): its one call goes in ``BankStoreCalls/importState(from:into:)``.
struct ImportStateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-state",
        abstract: "Import an old bank directory's state.json into the store, once.")

    @Argument(help: "The bank directory whose state.json is imported.", transform: BankOptions.absolute)
    var from: String

    @OptionGroup var bank: BankOptions

    func run() async throws {
        print(try BankStoreCalls.importState(from: URL(fileURLWithPath: from), into: bank))
    }
}

/// The store calls these commands make, one each, which the store's half of issue 17 provides.
/// Until it is merged they refuse in one line rather than pretend.
enum BankStoreCalls {
    static func migrate(_ bank: BankOptions) throws -> String {
        _ = try bank.verifier()
        throw BankCommandError("migrate: this build keeps the bank's state in \(BankDirectory.stateFileName), which has no schema to migrate (the SQL store is not merged yet)")
    }

    static func importState(from: URL, into bank: BankOptions) throws -> String {
        _ = try bank.verifier()
        throw BankCommandError("import-state: this build keeps the bank's state in \(BankDirectory.stateFileName) already (the SQL store is not merged yet)")
    }
}
