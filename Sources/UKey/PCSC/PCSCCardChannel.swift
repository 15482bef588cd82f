import PCSC

/// A ``CardChannel`` to a card in a PC/SC reader: pcscd with our driver and the emulator, a real
/// USB token, or any other reader (stock vpcd, libccid).
///
/// Transmits run on the PC/SC context's own thread, never on the cooperative pool, so a
/// CONFIRM TRANSFER that waits a minute for the holder blocks nothing else. A transaction is a
/// PC/SC transaction (SCardBeginTransaction / SCardEndTransaction); if another program reset
/// the card meanwhile, the channel reconnects once and the operation starts over (its SELECT
/// comes first, and the PIN must be verified again: ``TokenError/pinNotVerified``).
public final class PCSCCardChannel: CardChannel, Sendable {
    public let card: PCSCCard
    public let reader: String

    public init(card: PCSCCard, reader: String) {
        self.card = card
        self.reader = reader
    }

    /// Connects to the card in `reader` (shared, T=1 or T=0).
    public static func connect(context: PCSCContext, reader: String) async throws(TokenError) -> PCSCCardChannel {
        do {
            return PCSCCardChannel(card: try await context.connect(reader: reader, share: .shared, protocols: .any), reader: reader)
        } catch .noSmartCard, .removedCard, .unknownReader {
            throw .noToken
        } catch {
            throw Self.tokenError(error)
        }
    }

    public func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        do {
            return try await card.transmit(command)
        } catch {
            throw Self.tokenError(error)
        }
    }

    /// Not on T=0: ISO/IEC 7816-3 has no extended TPDU.
    public var carriesExtendedAPDUs: Bool { card.activeProtocol != .t0 }

    public func beginTransaction() async throws(TokenError) {
        do {
            try await card.beginTransaction()
        } catch .resetCard {
            // Another program reset the card: take note (SCardReconnect) and begin again.
            do {
                try await card.reconnect(share: .shared, protocols: .any, initialization: .leave)
                try await card.beginTransaction()
            } catch {
                throw Self.tokenError(error)
            }
        } catch {
            throw Self.tokenError(error)
        }
    }

    public func endTransaction() async {
        try? await card.endTransaction(.leave)
    }

    /// Disconnects, leaving the card powered (SCardDisconnect with SCARD_LEAVE_CARD).
    public func close() {
        try? card.disconnect(disposition: .leave)
    }

    /// The one mapping from PC/SC errors to the token's: a card or reader that went away is
    /// ``TokenError/removed``; anything else is a transport failure that names the PC/SC code.
    static func tokenError(_ error: PCSCError) -> TokenError {
        switch error {
        case .removedCard, .noSmartCard, .readerUnavailable, .unknownReader, .unpoweredCard, .unresponsiveCard, .noReadersAvailable:
            return .removed
        default:
            return .transport(error.description)
        }
    }
}

extension PCSCCardChannel: PINPadChannel {
    /// The reader's part 10 features. A driver that cannot answer the feature request at all
    /// means no PIN pad; any other failure is thrown, not read as "no PIN pad" (which would let
    /// the CLI fall back to a PIN typed on this computer without saying why).
    /// Asked inside a transaction: while another program holds one, SCardControl would fail
    /// with SCARD_E_SHARING_VIOLATION; this waits for it, as an APDU does.
    public func pinPadFeatures() async throws(TokenError) -> (verify: Bool, modify: Bool) {
        try await beginTransaction()
        let features: Result<[PCSCFeature: UInt32]?, TokenError>
        do {
            features = .success(try card.features())
        } catch let error as PCSCError where Self.meansNoFeatures(error) {
            features = .success(nil)
        } catch let error as PCSCError {
            features = .failure(Self.tokenError(error))
        } catch {
            features = .failure(.malformedResponse("the reader's part 10 feature list: \(error)"))
        }
        await endTransaction()
        guard let found = try features.get() else { return (false, false) }
        return (found[.verifyPINDirect] != nil, found[.modifyPINDirect] != nil)
    }

    /// The codes pcscd 1.9.9 gives for a reader whose driver offers no SCardControl features:
    /// SCARD_E_UNSUPPORTED_FEATURE when the driver's IFDHControl answers IFD_ERROR_NOT_SUPPORTED
    /// or IFD_NOT_SUPPORTED (libccid for an unknown code, vpcd for every code) or its IFD handler
    /// API is older than 3.0 (ifdwrapper.c IFDControl, winscard.c SCardControl), and
    /// SCARD_E_INVALID_PARAMETER when an API 2.0 driver is asked with an empty buffer, as the
    /// feature request is (winscard.c, before the driver is reached).
    static func meansNoFeatures(_ error: PCSCError) -> Bool {
        error == .unsupportedFeature || error == .invalidParameter
    }

    public func pinPad(_ structure: [UInt8], modify: Bool) async throws(TokenError) -> [UInt8] {
        let features: [PCSCFeature: UInt32]
        do {
            features = try card.features()
        } catch let error as PCSCError where Self.meansNoFeatures(error) {
            throw .noPINPad
        } catch let error as PCSCError {
            throw Self.tokenError(error)
        } catch {
            throw .malformedResponse("the reader's part 10 feature list: \(error)")
        }
        guard let code = features[modify ? .modifyPINDirect : .verifyPINDirect] else { throw .noPINPad }
        do {
            return try await card.control(code: code, data: structure)
        } catch {
            throw Self.tokenError(error)
        }
    }
}
