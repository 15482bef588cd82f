import COpenSSL
import ISO7816
import PIVProtocol

/// The APDU level under ``PIVToken``: the banking session's exchange (chaining, GET RESPONSE)
/// and its one status-word mapping, with what the PIV applet means differently — 6982 is a
/// missing PIN or a missing management key depending on the command, 6A82 an absent object.
struct PIVSession {
    let session: TokenSession

    init(channel: any CardChannel) {
        session = TokenSession(channel: channel)
    }

    /// SELECT the PIV application; a token without it answers 6A82.
    func select() async throws(TokenError) {
        let response = try await session.exchange(PIVCommand.select)
        guard response.statusWord == .success else { throw .unexpectedStatus(response.statusWord, operation: "SELECT PIV") }
    }

    /// Sends `command` and returns its data. 6982 becomes `securityStatus` (what this command
    /// lacked), 6A82 `notFound` when given; every other status goes through the shared mapping.
    func send(_ command: BankingCommand, operation: String, securityStatus: TokenError = .pinNotVerified,
              notFound: TokenError? = nil, pinFormat: Bool = false) async throws(TokenError) -> [UInt8] {
        let response = try await session.exchange(command)
        switch response.statusWord.rawValue {
        case 0x6982: throw securityStatus
        case 0x6A82: if let notFound { throw notFound }
        default: break
        }
        return try TokenSession.data(of: response, operation: operation, pinFormat: pinFormat)
    }

    /// The value inside `53 L {…}` of the data object `tag`, or `nil` when the card has none (6A82).
    func object(_ tag: [UInt8], operation: String) async throws(TokenError) -> [UInt8]? {
        let response = try await session.exchange(PIVCommand.getData(tag))
        if response.statusWord.rawValue == 0x6A82 { return nil }
        let data = try TokenSession.data(of: response, operation: operation)
        guard let object = try? TLV(parsing: data), object.tag == 0x53 else {
            throw .malformedResponse("\(operation): the object is not 53 L {…}")
        }
        return object.value
    }

    /// VERIFY the PIN (FF-padded); a PIN the card cannot take is refused here, costing no try.
    func verify(_ pin: Secret) async throws(TokenError) {
        guard var padded = PIVCommand.paddedSecret(pin) else { throw Self.formatError }
        defer { padded.cleanse() }
        _ = try await send(PIVCommand.verify(reference: PIVCommand.pinReference, padded), operation: "VERIFY PIN", pinFormat: true)
    }

    /// 9B mutual authentication with `key`: decrypt the card's witness (proves we hold the key),
    /// then check the card's encryption of our challenge (proves the card does). A wrong key is
    /// ``TokenError/wrongManagementKey``.
    func authenticate(_ key: PIVManagementKey) async throws(TokenError) {
        let operation = "GENERAL AUTHENTICATE 9B"
        let first = try await send(PIVCommand.requestWitness, operation: operation, securityStatus: .wrongManagementKey)
        var witness = try key.decrypt(try Self.dynamicAuthentication(first, tag: PIVWire.AuthenticationTag.witness, operation: operation))
        defer { witness.cleanse() }
        let challenge = try Self.randomBytes(8)
        let second = try await send(PIVCommand.mutualAuthenticate(witness: witness, challenge: challenge), operation: operation,
                                    securityStatus: .wrongManagementKey)
        guard try Self.dynamicAuthentication(second, tag: PIVWire.AuthenticationTag.response, operation: operation) == (try key.encrypt(challenge)) else {
            throw .malformedResponse("\(operation): the card's answer to our challenge does not match the management key")
        }
    }

    /// Raw RSA with the slot's key (GENERAL AUTHENTICATE): `block` must be the modulus length.
    func rawRSA(_ slot: PIVSlot, _ algorithm: KeyAlgorithm, block: [UInt8]) async throws(TokenError) -> [UInt8] {
        let operation = "GENERAL AUTHENTICATE \(slot.hex)"
        let response = try await send(PIVCommand.authenticate(slot, algorithm, block: block), operation: operation)
        let result = try Self.dynamicAuthentication(response, tag: PIVWire.AuthenticationTag.response, operation: operation)
        guard result.count == algorithm.modulusLength else {
            throw .malformedResponse("\(operation): \(result.count) bytes for a \(algorithm.modulusLength)-byte key")
        }
        return result
    }

    /// The one `tag` inside `7C L {…}`, as GENERAL AUTHENTICATE answers.
    static func dynamicAuthentication(_ data: [UInt8], tag: Tag, operation: String) throws(TokenError) -> [UInt8] {
        do {
            let children = try TLV(parsing: data, tag: PIVWire.AuthenticationTag.template).children()
            guard children.count == 1 else { throw TLVError.missing(tag: tag) }
            return try children.required(tag).value
        } catch {
            throw .malformedResponse("\(operation): expected 7C {\(hexByte(UInt8(tag.rawValue))) …}")
        }
    }

    /// `n` bytes from libcrypto's generator (`RAND_bytes`).
    static func randomBytes(_ count: Int) throws(TokenError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .transport("RAND_bytes failed") }
        return bytes
    }

    /// The PIV PIN and PUK are 6–8 digits; anything else never reaches the card.
    static let formatError = TokenError.invalidInput("a PIV PIN or PUK is 6–8 digits; no try was used")
}
