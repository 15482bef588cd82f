import ArgumentParser

/// `ukey ca init|issue`: a test certificate authority, standing in for the bank's CA.
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "A test certificate authority (the bank's CA in demos and CI).",
        discussion: """
            Examples:
              ukey ca init --dir bank
              ukey token pubkey --key transfer > transfer.pem
              ukey token csr --key transfer --subject "CN=Zhang San, O=UKey Test Bank" > token.csr
              ukey ca issue --dir bank --transfer --csr token.csr --transfer-key transfer.pem > token.pem
            """,
        subcommands: [CAInitCommand.self, CAIssueCommand.self])
}
