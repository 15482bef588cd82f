import ArgumentParser

/// `ukey token …`: the banking applet's operations on a token.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Token operations: info, PIN, key, CSR, certificate, sign, decrypt, authenticate.",
        discussion: """
            PINs and PUKs never go on the command line: they come from a file descriptor (--pin-fd, \
            --new-pin-fd, --puk-fd), the environment (UKEY_PIN, UKEY_NEW_PIN, UKEY_PUK) or a prompt.

            Examples:
              ukey token info
              UKEY_PIN=123456 UKEY_NEW_PIN=24681357 ukey token pin change
              ukey token keygen --pin-fd 3 3<pin.txt
              ukey token csr --subject "CN=Zhang San, O=UKey Test Bank" --out token.csr
              ukey token cert put token.pem
              echo -n hello | ukey token sign - --json
            """,
        subcommands: [TokenInfoCommand.self, TokenPINCommand.self, TokenKeygenCommand.self, TokenPubkeyCommand.self,
                      TokenCSRCommand.self, TokenCertCommand.self, TokenSignCommand.self, TokenDecryptCommand.self,
                      TokenAuthCommand.self])
}

/// `ukey token pin verify|change|unblock`.
struct TokenPINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Verify, change or unblock the PIN.",
        subcommands: [TokenPINVerifyCommand.self, TokenPINChangeCommand.self, TokenPINUnblockCommand.self, TokenPINPolicyCommand.self])
}

/// `ukey token cert put|get`.
struct TokenCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Store or read the token's certificate.",
        subcommands: [TokenCertPutCommand.self, TokenCertGetCommand.self])
}
