import ISO7816

/// The APDU level under ``Token``: sends one banking command (a chain if its data is long),
/// collects a long response through GET RESPONSE, and maps the card's refusals to ``TokenError``
/// in one place.
struct TokenSession {
    let channel: any CardChannel

    /// SELECT the banking applet; a card without it is not a UKey token.
    func selectApplet() async throws(TokenError) {
        let response = try await exchange(BankingCommand.select)
        switch response.statusWord.rawValue {
        case 0x9000: return
        case 0x6A82, 0x6D00, 0x6E00: throw .noToken
        case 0x6283: throw .outdatedToken
        default: throw .unexpectedStatus(response.statusWord, operation: "SELECT")
        }
    }

    func info() async throws(TokenError) -> TokenInfo {
        try TokenInfo(parsing: try await send(BankingCommand.getTokenInfo, operation: "GET DATA"))
    }

    /// Sends `command` and returns its response data; any status but 9000 becomes a ``TokenError``.
    /// `missing` names what 6A88 (referenced data not found) means for this command; for the PIN
    /// commands (`pinFormat`), 6A80 means a PIN or PUK of the wrong format and 6900 a new PIN equal
    /// to the old one.
    func send(_ command: BankingCommand, operation: String, missing: TokenError.NotPersonalizedReason = .noKey,
              pinFormat: Bool = false) async throws(TokenError) -> [UInt8] {
        let response = try await exchange(command)
        if response.statusWord.rawValue == 0x6982 {
            // Either the factory PIN is still set or the PIN is not verified: the card says which.
            throw (try? await info())?.pinMustChange == true ? .notPersonalized(.factoryPIN) : .pinNotVerified
        }
        return try Self.data(of: response, operation: operation, missing: missing, pinFormat: pinFormat)
    }

    /// The one mapping of a card's status words to ``TokenError``, for the banking and the PIV
    /// applet alike: the response data on 9000, else the error (6982 is ``TokenError/pinNotVerified``
    /// here; callers that know better, like the factory-PIN check above, look first). For the PIN
    /// commands (`pinFormat`) 6985 is a keypad-only token refusing a PIN from the computer
    /// (``TokenError/pinEntryKeypadOnly``); elsewhere it is the holder's Cancel.
    static func data(of response: ResponseAPDU, operation: String, missing: TokenError.NotPersonalizedReason = .noKey,
                     pinFormat: Bool = false) throws(TokenError) -> [UInt8] {
        let status = response.statusWord
        switch status.rawValue {
        case 0x9000: return response.data
        case 0x63C0...0x63CF: throw .wrongPIN(triesLeft: Int(status.sw2 & 0x0F))
        case 0x6983: throw .blocked
        case 0x6982: throw .pinNotVerified
        case 0x6985 where pinFormat: throw .pinEntryKeypadOnly
        case 0x6985: throw .userDenied
        case 0x6401: throw .timedOut
        case 0x6A88: throw .notPersonalized(missing)
        case 0x6A80 where pinFormat: throw .invalidPINFormat
        case 0x6900 where pinFormat: throw .newPINSameAsOld
        case 0x6A80: throw .invalidInput("\(operation): the card refused the data (6A80)")
        case 0x6700: throw .invalidInput("\(operation): wrong length (6700)")
        case 0x6A84: throw .invalidInput("\(operation): too large for the card (6A84)")
        default: throw .unexpectedStatus(status, operation: operation)
        }
    }

    /// One command, chained if needed, with 61xx answered by GET RESPONSE until the card has
    /// nothing more; the status word is the last one. APDUs that carried a secret are zeroed.
    func exchange(_ command: BankingCommand) async throws(TokenError) -> ResponseAPDU {
        var response = ResponseAPDU(statusWord: .success)
        for var apdu in command.apdus {
            defer { if command.isSecret { apdu.cleanse() } }
            response = try await transmit(apdu)
            // A chain stops at the first part the card refuses.
            guard response.statusWord == .success || response.statusWord.sw1 == 0x61 else { return response }
        }
        var data = response.data
        var rounds = 0
        while response.statusWord.sw1 == 0x61 {
            rounds += 1
            guard rounds <= 256 else { throw .malformedResponse("the card keeps announcing more data (61xx)") }
            response = try await transmit(BankingCommand.getResponse(response.statusWord.sw2).apdus[0])
            data += response.data
        }
        return ResponseAPDU(data: data, statusWord: response.statusWord)
    }

    private func transmit(_ apdu: [UInt8]) async throws(TokenError) -> ResponseAPDU {
        let bytes = try await ShortAPDUs.transmit(apdu, over: channel)
        guard let response = try? ResponseAPDU(parsing: bytes) else {
            throw .malformedResponse("a response of \(bytes.count) bytes has no status word")
        }
        return response
    }
}

/// The key commands whose answers the session turns into values: ``Token`` calls these, never
/// the other way round.
extension TokenSession {
    func generateKey(_ key: TokenKey, _ algorithm: KeyAlgorithm) async throws(TokenError) -> RSAPublicKey {
        try RSAPublicKey(cardTemplate: try await send(BankingCommand.generateKey(key, algorithm), operation: "GENERATE KEY",
                                                      missing: .noBankingKey(key)))
    }

    func publicKey(_ key: TokenKey) async throws(TokenError) -> RSAPublicKey {
        try RSAPublicKey(cardTemplate: try await send(BankingCommand.readPublicKey(key), operation: "READ PUBLIC KEY",
                                                      missing: .noBankingKey(key)))
    }

    func certificate(_ key: TokenKey) async throws(TokenError) -> Certificate {
        let der = try await send(BankingCommand.getCertificate(key), operation: "GET CERTIFICATE", missing: .noCertificate)
        do { return try Certificate(der: der) }
        catch { throw .malformedResponse("certificate: \(error)") }
    }
}
