/// What ``PIVToken/info()`` reads without using a try: the serial, the PIN and PUK state, and
/// each slot's certificate.
///
/// PIV has no command that tells whether a slot holds a key without using it, so a slot's key is
/// known from its certificate (the key a certificate names is the one GENERATE made, unless
/// someone stored a certificate for another key).
public struct PIVInfo: Codable, Hashable, Sendable {
    /// The token serial (CHUID GUID), upper-case hex.
    public let serial: String
    public let pin: PIVCredentialStatus
    /// `nil` when the card does not report the PUK's state.
    public let puk: PIVCredentialStatus?
    public let slots: [Slot]

    public init(serial: String, pin: PIVCredentialStatus, puk: PIVCredentialStatus?, slots: [Slot]) {
        self.serial = serial
        self.pin = pin
        self.puk = puk
        self.slots = slots
    }

    /// One key slot and its certificate object.
    public struct Slot: Codable, Hashable, Sendable {
        public let slot: String
        public let name: String
        /// The certified key, `RSA-2048`; `nil` without a certificate.
        public let key: String?
        public let certificateSubject: String?
        public let certificateIssuer: String?

        public init(slot: PIVSlot, certificate: Certificate?) {
            self.slot = slot.hex
            name = slot.name
            key = certificate.map { "RSA-\($0.publicKey.bitCount)" }
            certificateSubject = certificate?.subject
            certificateIssuer = certificate?.issuer
        }
    }
}
