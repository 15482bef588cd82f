import ISO7816

/// What a client may conclude about a token's PIN tries and signature counter from everything it
/// saw before the emulator died, and the check the restarted token must pass.
///
/// An answered command's effect is durable (the journal commits before the reply). A command in
/// flight when the process died (sent, or maybe sent, with no answer) may or may not have taken
/// effect: a wrong VERIFY may have spent a try; a correct VERIFY may have spent one too (the
/// firmware commits the decrement before it compares, the anti-tearing rule) or restored them
/// all; an UNBLOCK may have restored them (it committed, the answer was lost); a CONFIRM may have advanced the counter by one. No
/// other change is allowed: tries never come back by themselves, the counter never goes back.
struct CrashInvariants {
    /// The PIN's maximum tries (read after personalization).
    let maxTries: Int
    /// The tries values the token may show after a restart.
    private(set) var allowedTries: Set<Int>
    /// The highest counter the client saw (token info or a signed DTBS).
    private(set) var counter: UInt32
    /// Whether a CONFIRM was in flight (the counter may be one higher).
    private(set) var confirmInFlight = false
    /// Every counter value seen in a signed DTBS.
    private(set) var signedCounters: Set<UInt32> = []

    init(maxTries: Int, tries: Int, counter: UInt32) {
        self.maxTries = maxTries
        self.allowedTries = [tries]
        self.counter = counter
    }

    /// A command's effect on the model.
    enum Event {
        case tokenInfo(tries: Int, counter: UInt32)
        /// A wrong VERIFY answered 63Cx (tries left) or 6983 (0).
        case wrongPINAnswered(triesLeft: Int)
        /// A correct VERIFY or an UNBLOCK answered 9000.
        case pinRestored
        /// A CONFIRM answered with a DTBS carrying `counter`.
        case signed(counter: UInt32)
        case wrongPINInFlight
        case correctPINInFlight
        case unblockInFlight
        case confirmInFlight
    }

    /// Applies an event; a violation (an answer the token may not give) is returned as text.
    mutating func apply(_ event: Event) -> String? {
        switch event {
        case .tokenInfo(let tries, let seen):
            defer { allowedTries = [tries]; counter = seen; confirmInFlight = false }
            return check(tries: tries, counter: seen)
        case .wrongPINAnswered(let left):
            defer { allowedTries = [left] }
            let possible = Set(allowedTries.map { max(0, $0 - 1) })
            return possible.contains(left) ? nil : "a wrong VERIFY left \(left) tries; expected one of \(possible.sorted())"
        case .pinRestored:
            allowedTries = [maxTries]
        case .signed(let value):
            defer { signedCounters.insert(value); counter = max(counter, value); confirmInFlight = false }
            if signedCounters.contains(value) { return "counter \(value) signed twice" }
            if value <= counter { return "signed counter \(value) not above \(counter), the highest seen before" }
            if value > counter + (confirmInFlight ? 2 : 1) { return "signed counter \(value) skips from \(counter)" }
        case .wrongPINInFlight:
            allowedTries.formUnion(allowedTries.map { max(0, $0 - 1) })
        case .correctPINInFlight:
            allowedTries.formUnion(allowedTries.map { max(0, $0 - 1) })
            allowedTries.insert(maxTries)
        case .unblockInFlight:
            allowedTries.insert(maxTries)
        case .confirmInFlight:
            confirmInFlight = true
        }
        return nil
    }

    /// The token info read after a restart, against what the client knew.
    func check(tries: Int, counter seen: UInt32) -> String? {
        if !allowedTries.contains(tries) {
            return "PIN tries \(tries) after restart; allowed \(allowedTries.sorted())"
        }
        if seen < counter { return "counter went back from \(counter) to \(seen)" }
        if seen > counter + (confirmInFlight ? 1 : 0) { return "counter jumped from \(counter) to \(seen)" }
        return nil
    }

    /// `C3` (PIN tries) and `C5` (counter) of a GET DATA token-info response (data only).
    static func tokenInfo(_ data: [UInt8]) throws -> (tries: Int, pukTries: Int, counter: UInt32) {
        let objects = try TLV.sequence(parsing: data)
        guard let tries = objects.first(0xC3)?.value.first, let pukTries = objects.first(0xC4)?.value.first,
              let counter = objects.first(0xC5)?.value, counter.count == 4 else {
            throw TestClientError("token info without C3 / C4 / C5")
        }
        return (Int(tries), Int(pukTries), counter.reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// The `87` counter inside the `70` DTBS of a CONFIRM TRANSFER response `7C {70 …, 9E …}`.
    static func signedCounter(_ data: [UInt8]) throws -> UInt32 {
        let dtbs = try TLV(parsing: data).children().first(0x70)
        guard let counter = try dtbs?.children().first(0x87)?.value, counter.count == 4 else {
            throw TestClientError("CONFIRM response without a DTBS counter")
        }
        return counter.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
