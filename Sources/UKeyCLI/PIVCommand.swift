import ArgumentParser

/// `ukey piv …`: the token's PIV applet — TLS log-in keys, separate from the banking key.
struct PIVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "piv",
        abstract: "The PIV applet: keys and certificates for TLS log-in through OpenSC / PKCS#11.",
        discussion: """
            The PIV applet has its own PIN, PUK and management key (9B), separate from the banking \
            PIN; its keys never sign transfers. Secrets never go on the command line: they come from a \
            file descriptor (--pin-fd, --new-pin-fd, --puk-fd, --new-puk-fd, --management-key-fd), the \
            environment (UKEY_PIV_PIN, UKEY_PIV_NEW_PIN, UKEY_PIV_PUK, UKEY_PIV_NEW_PUK, UKEY_PIV_MGMKEY: \
            48 hex digits) or a prompt.

            Provisioning a TLS client key in slot 9a:
              ukey piv info
              ukey piv generate --slot 9a --algorithm rsa2048 --out 9a.pub --management-key-fd 3 3<mgm.hex
              ukey piv csr --slot 9a --subject "CN=Zhang San, O=UKey Test Bank" --public-key 9a.pub --out 9a.csr
              ukey ca issue --dir bank --csr 9a.csr --client-auth --out 9a.pem
              ukey piv cert put --slot 9a 9a.pem --management-key-fd 3 3<mgm.hex
              ukey piv cert get --slot 9a
            """,
        subcommands: [PIVInfoCommand.self, PIVGenerateCommand.self, PIVCSRCommand.self, PIVCertCommand.self, PIVSignCommand.self,
                      PIVPINCommand.self, PIVPUKCommand.self])
}

/// `ukey piv cert put|get|delete`.
struct PIVCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Store, read or delete a slot's certificate.",
        subcommands: [PIVCertPutCommand.self, PIVCertGetCommand.self, PIVCertDeleteCommand.self])
}

/// `ukey piv pin status|verify|change|unblock`.
struct PIVPINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "The PIV PIN: status, verify, change, unblock with the PUK.",
        subcommands: [PIVPINStatusCommand.self, PIVPINVerifyCommand.self, PIVPINChangeCommand.self, PIVPINUnblockCommand.self])
}

/// `ukey piv puk change`.
struct PIVPUKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "puk", abstract: "The PIV PUK.", subcommands: [PIVPUKChangeCommand.self])
}
