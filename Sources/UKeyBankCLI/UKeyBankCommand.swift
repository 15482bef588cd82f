import ArgumentParser

/// `ukey-bank serve|challenge|verify|migrate|import-state|policy`.
struct UKeyBankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ukey-bank",
        abstract: "The UKey bank: issues transfer challenges and verifies what tokens sign, as an HTTP service or one command at a time.",
        discussion: """
            Examples:
              ukey-bank serve --listen 127.0.0.1:8443 --bank bank
              ukey-bank challenge --bank bank --payee-account 6222020200112233 --payee-name "Li Si" --amount 1234.56 --out challenge.json
              ukey-bank verify --bank bank signed.json
            """,
        subcommands: [ServeCommand.self, BankChallengeCommand.self, BankVerifyCommand.self, MigrateCommand.self, ImportStateCommand.self,
                      PolicyCommand.self, OTPCommand.self])
}
