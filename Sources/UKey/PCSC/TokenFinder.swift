import PCSC

/// Finds UKey tokens among the PC/SC readers: a reader holds one when its card selects the
/// banking applet. Other readers and cards are left alone (the SELECT runs in a transaction and
/// a failed SELECT changes nothing on a card).
public struct TokenFinder: Sendable {
    public let context: PCSCContext
    /// Called with each PC/SC step (`--trace`).
    let trace: (@Sendable (String) -> Void)?

    public init(context: PCSCContext, trace: (@Sendable (String) -> Void)? = nil) {
        self.context = context
        self.trace = trace
    }

    /// A token and the reader it is in.
    public struct Found: Sendable {
        public let reader: String
        public let token: Token
        public let channel: PCSCCardChannel
    }

    /// Every reader, and whether it holds a UKey token (and which serial).
    public struct ReaderStatus: Codable, Hashable, Sendable {
        public let index: Int
        public let name: String
        public let hasCard: Bool
        public let isToken: Bool
        public let serial: String?
        public let atr: String?
        /// Another application is connected to the card (SCARD_STATE_INUSE or _EXCLUSIVE): it was
        /// not asked, so ``isToken`` and ``serial`` are unknown. PC/SC tells no more (a token
        /// waiting for its holder looks the same as any other client's open connection).
        public let busy: Bool
        /// The reader offers PIN entry on its keypad (part 10 FEATURE_VERIFY_PIN_DIRECT);
        /// `nil` when it was not asked: a busy reader is never connected to (see ``busy``), and
        /// PC/SC has no way to read a reader's features without a connection (SCardControl and
        /// SCardGetAttrib both need a handle).
        public var pinPad: Bool? = nil
    }

    /// The readers pcscd knows, in its order, each with what is in it; with a `selector`, only
    /// the readers it picks (``selects(_:name:index:)``), and no other reader is touched.
    ///
    /// Presence and ATR come from SCardGetStatusChange; only a card nobody else uses is connected
    /// to (for its serial). A card in use is reported busy: connecting to it could wait as long
    /// as the other client's command runs (a token waiting for its holder, up to minutes).
    public func readers(matching selector: String? = nil) async throws(TokenError) -> [ReaderStatus] {
        let picked = try await readerNames().enumerated().filter { index, name in
            selector.map { Self.selects($0, name: name, index: index) } ?? true
        }
        let states: [PCSCReaderState]
        do {
            trace?("pcsc SCardGetStatusChange: \(picked.count) reader(s)")
            // States believed `unaware`: the call returns at once; the timeout only bounds a stuck pcscd.
            states = picked.isEmpty ? [] : try await context.statusChange(picked.map { PCSCReaderState(reader: $0.element) }, timeout: .seconds(2))
        } catch {
            throw .transport(error.description)
        }
        var statuses: [ReaderStatus] = []
        for ((index, name), state) in zip(picked, states) {
            let present = state.isCardPresent
            let atr = present && !state.atr.isEmpty ? state.atr.hexString : nil
            let busy = present && !state.eventState.isDisjoint(with: [.inUse, .exclusive])
            var status = ReaderStatus(index: index, name: name, hasCard: present, isToken: false, serial: nil, atr: atr, busy: busy)
            if present, !busy, let channel = try? await connect(name) {
                defer { channel.close() }
                let info = try? await Token(channel: channel).info()
                status = ReaderStatus(index: index, name: name, hasCard: true, isToken: info != nil, serial: info?.serial,
                                      atr: (try? channel.card.status().atr)?.hexString ?? atr, busy: false,
                                      // A listing: one reader that cannot be asked shows no PIN pad.
                                      pinPad: (try? await channel.pinPadFeatures())?.verify ?? false)
            } else if !present {
                status.pinPad = await readerPINPad(name)
            }
            statuses.append(status)
        }
        return statuses
    }

    /// The token in the reader `selector` names — its full name, a unique part of it, or its
    /// index — or, with no selector, in the first reader holding a token. A card that selects
    /// the banking applet is a token: when its GET DATA then fails, that error is thrown (the
    /// command and its status word), not ``TokenError/noToken``.
    public func token(reader selector: String? = nil) async throws(TokenError) -> Found {
        let names = try await readerNames()
        if let selector {
            let name = try Self.resolve(selector, among: names)
            let channel = try await connect(name)
            return Found(reader: name, token: Token(channel: traced(channel)), channel: channel)
        }
        for name in names {
            guard let channel = try? await connect(name) else { continue }
            let token = Token(channel: traced(channel))
            switch try? await token.probe() {
            case .token?:
                return Found(reader: name, token: token, channel: channel)
            case .failedAfterSelect(let error)?:
                channel.close()
                throw error
            case nil:
                channel.close()
            }
        }
        throw .noToken
    }

    /// A connection to any card — not only UKey tokens, for APDU probing: the reader `selector`
    /// names, or the first reader with a card. `channel` is traced when the finder traces.
    public func card(reader selector: String? = nil) async throws(TokenError) -> (reader: String, channel: any CardChannel, card: PCSCCardChannel) {
        let names = try await readerNames()
        let candidates = try selector.map { selector throws(TokenError) in [try Self.resolve(selector, among: names)] } ?? names
        for name in candidates {
            guard let card = try? await connect(name) else { continue }
            return (name, traced(card), card)
        }
        throw .noToken
    }

    /// Waits until a reader holds a token — the reader `selector` names, or any — and returns
    /// it (at once if one is there already). Throws ``TokenError/noToken`` when `timeout` passes
    /// first; cancelling the task ends the wait too.
    public func waitForToken(reader selector: String? = nil, timeout: Duration) async throws(TokenError) -> Found {
        if let found = await selectableToken(reader: selector) { return found }
        let result = await withTaskGroup(of: Result<Found, TokenError>?.self) { group in
            group.addTask { await self.nextInsertedToken(reader: selector) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else { throw .noToken }
        return try result.get()
    }

    /// The token in the reader `selector` names (or the first), if its card selects the applet.
    private func selectableToken(reader selector: String?) async -> Found? {
        guard let found = try? await token(reader: selector) else { return nil }
        guard (try? await found.token.info()) != nil else {
            found.channel.close()
            return nil
        }
        return found
    }

    /// The first token inserted into a reader `selector` picks, from PC/SC reader events (the
    /// sequence reports what is present first, so a token inserted meanwhile is not missed).
    private func nextInsertedToken(reader selector: String?) async -> Result<Found, TokenError>? {
        do {
            for try await event in context.readerEvents(pollInterval: .milliseconds(200)) {
                guard case .cardInserted = event, selector.map({ Self.selects($0, name: event.reader, index: nil) }) ?? true,
                      let found = await selectableToken(reader: event.reader) else { continue }
                return .success(found)
            }
            return nil
        } catch {
            return .failure(PCSCCardChannel.tokenError(error))
        }
    }

    /// Whether the empty reader `name` offers FEATURE_VERIFY_PIN_DIRECT, asked over a direct
    /// connection (SCARD_SHARE_DIRECT, no card needed, nothing powered); `nil` if that fails.
    func readerPINPad(_ name: String) async -> Bool? {
        guard let card = try? await context.connect(reader: name, share: .direct, protocols: []) else { return nil }
        defer { try? card.disconnect() }
        trace?("pcsc connected direct to the empty reader for its part 10 features")
        guard let features = try? card.features() else { return nil }
        return features[.verifyPINDirect] != nil
    }

    /// The card in `name`'s reader, connected shared with T=1 or T=0.
    func connect(_ name: String) async throws(TokenError) -> PCSCCardChannel {
        trace?("pcsc SCardConnect \"\(name)\"")
        let channel = try await PCSCCardChannel.connect(context: context, reader: name)
        trace?("pcsc connected, protocol \(channel.card.activeProtocol)")
        return channel
    }

    func readerNames() async throws(TokenError) -> [String] {
        do {
            let names = try await context.readers()
            trace?("pcsc SCardListReaders: \(names.count) reader(s)")
            return names
        } catch {
            throw .transport(error.description)
        }
    }

    func traced(_ channel: PCSCCardChannel) -> any CardChannel {
        guard let trace else { return channel }
        return TracingCardChannel(channel, sink: trace)
    }

    /// Whether `selector` picks the reader `name` at `index` in pcscd's list (`nil`: not known)
    /// when listing: a number picks the reader at that index, anything else every reader whose
    /// name contains it (case-insensitive), the full name included.
    public static func selects(_ selector: String, name: String, index: Int?) -> Bool {
        if let wanted = Int(selector), name != selector { return index == wanted }
        return name.lowercased().contains(selector.lowercased())
    }

    /// A reader named by `selector`: the exact name, else (a number) its index, else the only name
    /// that contains it (case-insensitive). An index out of range or text no name contains is
    /// ``TokenError/noSuchReader(_:readers:)``, listing the readers; never another reader.
    public static func resolve(_ selector: String, among names: [String]) throws(TokenError) -> String {
        if names.contains(selector) { return selector }
        if let index = Int(selector) {
            guard names.indices.contains(index) else { throw .noSuchReader(selector, readers: names) }
            return names[index]
        }
        let matches = names.filter { $0.lowercased().contains(selector.lowercased()) }
        guard matches.count == 1 else {
            throw matches.isEmpty ? .noSuchReader(selector, readers: names)
                : .transport("\"\(selector)\" matches \(matches.count) readers: \(matches.joined(separator: "; "))")
        }
        return matches[0]
    }
}
