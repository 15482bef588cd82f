import ArgumentParser

/// `ukey transfer challenge|sign|verify|unsuspend`: the bank issues a challenge for a transfer,
/// the holder confirms it on the token, the bank verifies the signed result (and lifts the
/// suspension of a token it refused as possibly cloned).
struct TransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Confirm a transfer on the token and verify it as the bank.",
        discussion: """
            Examples:
              ukey transfer challenge --bank bank --payee-account 6222020200112233 \\
                --payee-name "Li Si" --amount 1234.56 --out challenge.json
              ukey transfer sign challenge.json --out signed.json   # OK on the token
              ukey transfer verify --bank bank signed.json
              ukey transfer unsuspend --bank bank --serial 554B00000000002A
            """,
        subcommands: [TransferChallengeCommand.self, TransferSignCommand.self, TransferVerifyCommand.self,
                      TransferUnsuspendCommand.self])
}
