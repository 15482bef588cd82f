import ArgumentParser
import Foundation
import UKeyArguments
import UKeyBank

/// `ukey-bank policy set FILE|show --bank DIR [--database URL]`.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set the rules the bank applies (currencies, limits, challenge lifetime).",
        subcommands: [PolicyShowCommand.self, PolicySetCommand.self])
}

/// `ukey-bank policy show`: the policy in force, as JSON.
struct PolicyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the policy in force (JSON).")

    @OptionGroup var bank: BankOptions

    func run() async throws {
        print(try BankFiles.json(try bank.verifier().policy))
    }
}

/// `ukey-bank policy set FILE`: validates a policy.json and puts it in the store (SQLite or the
/// PostgreSQL database), so every server on that store applies it from its next start. The
/// directory's policy.json is left as it is (it seeds the store again only when it changes).
struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Validate FILE (policy.json's schema) and make it the bank's policy.")

    @Argument(help: "The policy (JSON, policy.json's schema).", transform: AbsolutePath.file)
    var file: String

    @OptionGroup var bank: BankOptions

    func run() async throws {
        let policy: BankPolicy
        do {
            policy = try JSONDecoder().decode(BankPolicy.self, from: try BankFiles.read(file))
        } catch let error as BankCommandError {
            throw error
        } catch {
            throw BankCommandError("\(file) is not a bank policy: \(error)")
        }
        try bank.verifier().setPolicy(policy)
        print("policy set")
    }
}
