import ISO7816

/// What GET DATA `00 CA 01 00` says about the token (docs/ARCHITECTURE.md): the values the
/// invariants compare before and after each step.
struct TokenState: Equatable {
    var signatureCounter: UInt32
    var pinTries: Int
    var pukTries: Int
    var pinMustChange: Bool
    /// C2: 00 no key, 01 RSA-1024, 02 RSA-2048.
    var keyState: UInt8

    /// Parses the token information objects C0–C7.
    init?(tokenInfo: [UInt8]) {
        guard let objects = try? TLV.sequence(parsing: tokenInfo),
              let counter = objects.first(0xC5)?.value, counter.count == 4,
              let pin = objects.first(0xC3)?.value.first, let puk = objects.first(0xC4)?.value.first,
              let mustChange = objects.first(0xC7)?.value.first, let key = objects.first(0xC2)?.value.first
        else { return nil }
        signatureCounter = counter.reduce(0) { $0 << 8 | UInt32($1) }
        pinTries = Int(pin)
        pukTries = Int(puk)
        pinMustChange = mustChange != 0
        keyState = key
    }
}
