import ArgumentParser
import Foundation
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

/// `ukey-bank policy set FILE`: validates a policy.json and makes it the bank's.
///
/// MERGE POINT (issue 17's store): today the policy lives in the directory's policy.json
/// (``BankDirectory/savePolicy(_:)``); with `--database` the store's call replaces it.
struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Validate FILE (policy.json's schema) and make it the bank's policy.")

    @Argument(help: "The policy (JSON, policy.json's schema).", transform: BankOptions.absolute)
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
        _ = try bank.verifier()
        try BankDirectory(URL(fileURLWithPath: bank.bank)).savePolicy(policy)
        print("policy set")
    }
}
