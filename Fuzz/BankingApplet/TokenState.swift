import ISO7816

/// What GET DATA `00 CA 01 00` says about the token (docs/ARCHITECTURE.md): the values the
/// invariants compare before and after each step.
struct TokenState: Equatable {
    /// C5: the transfer counter (DTBS tag 87), advanced by CONFIRM TRANSFER only.
    var transferCounter: UInt32
    /// CA: the authentication counter, advanced by SIGN and INTERNAL AUTHENTICATE.
    var authenticationCounter: UInt32
    var pinTries: Int
    var pukTries: Int
    var pinMustChange: Bool
    /// C2, C8, C9: the transfer, authentication and decryption keys' algorithms (00 no key,
    /// 01 RSA-1024, 02 RSA-2048), indexed by key reference − 1.
    var keys: [UInt8]

    /// Parses the token information objects C0–CA.
    init?(tokenInfo: [UInt8]) {
        guard let objects = try? TLV.sequence(parsing: tokenInfo),
              let transfer = objects.first(0xC5)?.value, transfer.count == 4,
              let authentication = objects.first(0xCA)?.value, authentication.count == 4,
              let pin = objects.first(0xC3)?.value.first, let puk = objects.first(0xC4)?.value.first,
              let mustChange = objects.first(0xC7)?.value.first,
              let transferKey = objects.first(0xC2)?.value.first, let authenticationKey = objects.first(0xC8)?.value.first,
              let decryptionKey = objects.first(0xC9)?.value.first
        else { return nil }
        transferCounter = transfer.reduce(0) { $0 << 8 | UInt32($1) }
        authenticationCounter = authentication.reduce(0) { $0 << 8 | UInt32($1) }
        pinTries = Int(pin)
        pukTries = Int(puk)
        pinMustChange = mustChange != 0
        keys = [transferKey, authenticationKey, decryptionKey]
    }

    /// What the invariants compare on an outdated token, whose banking applet answers GET DATA
    /// with 6283 (no counter, PIN or key can be read, and none may change).
    static let outdated = TokenState(transferCounter: 0, authenticationCounter: 0, pinTries: 0, pukTries: 0,
                                     pinMustChange: false, keys: [0, 0, 0])

    private init(transferCounter: UInt32, authenticationCounter: UInt32, pinTries: Int, pukTries: Int,
                 pinMustChange: Bool, keys: [UInt8]) {
        self.transferCounter = transferCounter
        self.authenticationCounter = authenticationCounter
        self.pinTries = pinTries
        self.pukTries = pukTries
        self.pinMustChange = pinMustChange
        self.keys = keys
    }
}
