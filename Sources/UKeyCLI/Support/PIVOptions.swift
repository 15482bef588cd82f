import ArgumentParser
import UKey

extension PIVSlot: ExpressibleByArgument {
    public init?(argument: String) { self.init(hex: argument) }
    public static var allValueStrings: [String] { allCases.map { $0.hex.lowercased() } }
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.hex.lowercased(), $0.name) })
    }
}

/// The PIV secrets' sources — like the banking ones, never the command line: a file descriptor,
/// an environment variable (`UKEY_PIV_…`), or a prompt with echo off.
extension SecretInput {
    static func pivPIN(fd: Int32?) -> SecretInput {
        SecretInput(name: "PIV PIN", fd: fd, environmentVariable: "UKEY_PIV_PIN", flag: "--pin-fd")
    }
    static func pivNewPIN(fd: Int32?) -> SecretInput {
        SecretInput(name: "new PIV PIN", fd: fd, environmentVariable: "UKEY_PIV_NEW_PIN", flag: "--new-pin-fd")
    }
    static func pivPUK(fd: Int32?) -> SecretInput {
        SecretInput(name: "PIV PUK", fd: fd, environmentVariable: "UKEY_PIV_PUK", flag: "--puk-fd")
    }
    static func pivNewPUK(fd: Int32?) -> SecretInput {
        SecretInput(name: "new PIV PUK", fd: fd, environmentVariable: "UKEY_PIV_NEW_PUK", flag: "--new-puk-fd")
    }
    static func managementKey(fd: Int32?) -> SecretInput {
        SecretInput(name: "PIV management key", fd: fd, environmentVariable: "UKEY_PIV_MGMKEY", flag: "--management-key-fd")
    }
}

/// `--pin-fd N` for the PIV PIN (else `UKEY_PIV_PIN`, else a prompt).
struct PIVPINOptions: ParsableArguments {
    @Option(name: .customLong("pin-fd"), help: "Read the PIV PIN from this file descriptor (else UKEY_PIV_PIN, else a prompt).")
    var pinFD: Int32?

    func read() throws -> Secret { try SecretInput.pivPIN(fd: pinFD).read() }
}

/// `--management-key-fd N` for the 9B management key, 48 hex digits (else `UKEY_PIV_MGMKEY`,
/// else a prompt).
struct ManagementKeyOptions: ParsableArguments {
    @Option(name: .customLong("management-key-fd"),
            help: "Read the PIV management key (48 hex digits) from this file descriptor (else UKEY_PIV_MGMKEY, else a prompt).")
    var managementKeyFD: Int32?

    func read() throws -> PIVManagementKey {
        try PIVManagementKey(hex: try SecretInput.managementKey(fd: managementKeyFD).read())
    }
}

/// `--slot 9a|9c|9d|9e`, 9a (TLS log-in) when not given.
struct PIVSlotOptions: ParsableArguments {
    @Option(name: .customLong("slot"), help: "The key slot (default: 9a, the one TLS log-in uses).")
    var given: PIVSlot?

    var slot: PIVSlot { given ?? .authentication }
}

extension ReaderAccess {
    /// Runs `body` with the PIV applet of the UKey token of `options` (the reader `--reader`
    /// names, or the first holding a token), traced when `--trace` is given.
    static func withPIV<Result>(_ options: CommonOptions, _ body: (String, PIVToken) async throws -> Result) async throws -> Result {
        try await withToken(options) { found in try await body(found.reader, PIVToken(channel: found.token.channel)) }
    }
}
