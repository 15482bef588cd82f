import CardOS
import FuzzSupport
#if canImport(Glibc)
import Glibc
#endif
import HostPlatform
import ISO7816
import TokenDevice

/// One token in memory driven by an ``AppletScript``, with the invariants checked after every
/// step (a violation is a `fatalError`, which libFuzzer reports with the input):
///
/// - no response holds 16 consecutive bytes of the private key's d, p, q, dP, dQ or qInv;
/// - the signature counter (C5) never goes down, and each signature (SIGN, INTERNAL
///   AUTHENTICATE, CONFIRM TRANSFER) raises it, so no value is used twice — across resets and
///   power cuts too; a confirmed transfer's DTBS carries the new value and the token's serial;
/// - the PIN tries (C3) go up only in a step where a VERIFY, CHANGE or UNBLOCK succeeded, the
///   PUK tries (C4) only where an UNBLOCK did;
/// - SIGN, INTERNAL AUTHENTICATE, DECIPHER, CONFIRM TRANSFER, GENERATE and PUT CERTIFICATE
///   never succeed unless a VERIFY, CHANGE or UNBLOCK succeeded since the last reset or
///   power-up, and all but PUT CERTIFICATE never while the factory PIN is in force;
/// - the PIV applet's invariants (``PIVTracker``), for the commands sent while it is selected.
///
/// The token's state is read through a second card OS on the same platform (GET DATA, READ
/// PUBLIC KEY), so observing never disturbs the fuzzed card's own volatile state.
final class AppletSession {
    static let serial: [UInt8] = [0x55, 0x4B, 0x46, 0x5A, 0x00, 0x00, 0x00, 0x01]
    static let factoryPIN = Array("123456".utf8)
    static let factoryPUK = Array("12345678".utf8)
    static let personalPIN = Array("24681357".utf8)
    static let selectBanking: [UInt8] = [0x00, 0xA4, 0x04, 0x0C, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]

    private let crypto = KeyPoolCrypto()
    private let clock = ManualClock()
    private(set) var memory: MemoryNVM
    private var card: CardOS<AppletFuzzPlatform>
    private var observer: CardOS<AppletFuzzPlatform>
    /// A third card OS on the same platform with the PIV applet selected, to read its PIN tries.
    private var pivObserver: CardOS<AppletFuzzPlatform>
    private var piv = PIVTracker()

    /// The PIN the script last set successfully (for ``AppletScript/Step/verifyPIN``).
    private var pin: [UInt8]
    /// A VERIFY, CHANGE or UNBLOCK succeeded since the last reset or power-up.
    private var pinVerified = false
    /// The command waiting for the holder, as it was sent.
    private var open: AppletExchange? = nil
    private(set) var state: TokenState

    /// `UKEY_FUZZ_TRACE=1`: print each step of a script, the status words and the token's state
    /// (to see what a corpus file or a crashing input does).
    private static let tracingRequested = getenv("UKEY_FUZZ_TRACE") != nil
    private var tracing = false

    /// Runs `script` on a fresh copy of its starting token.
    static func run(_ script: AppletScript) {
        let image = script.personalized ? TokenImage.personalized : TokenImage.factory
        let session = AppletSession(records: image.records, pin: image.pin)
        session.tracing = tracingRequested
        for step in script.steps { session.perform(step) }
    }

    init(records: [RecordID: [UInt8]], pin: [UInt8]) {
        memory = MemoryNVM(records: records)
        self.pin = pin
        (card, observer, pivObserver) = AppletSession.boot(memory, crypto, clock)
        state = AppletSession.observe(observer)
        pivPINTries = AppletSession.pivPINTries(pivObserver)
    }

    private(set) var pivPINTries: Int

    private static func boot(_ memory: MemoryNVM, _ crypto: KeyPoolCrypto, _ clock: ManualClock)
        -> (CardOS<AppletFuzzPlatform>, CardOS<AppletFuzzPlatform>, CardOS<AppletFuzzPlatform>) {
        let platform = AppletFuzzPlatform(memory: memory, crypto: crypto, clock: clock)
        let observer = TokenFirmware(platform: platform).card
        fuzzRequire(observer.process(selectBanking) == .response(StatusWord.success.bytes), "the banking applet selects")
        let pivObserver = TokenFirmware(platform: platform).card
        fuzzRequire(pivObserver.process([0x00, 0xA4, 0x04, 0x0C, 0x05] + PIVTracker.aid.prefix(5)) == .response(StatusWord.success.bytes),
                    "the PIV applet selects")
        return (TokenFirmware(platform: platform).card, observer, pivObserver)
    }

    /// The PIV PIN's tries: VERIFY without data on the observer, which never verifies.
    private static func pivPINTries(_ observer: CardOS<AppletFuzzPlatform>) -> Int {
        guard case .response(let response) = observer.process([0x00, 0x20, 0x00, 0x80]), response.count == 2 else {
            fatalError("PIV VERIFY without data always answers a status word")
        }
        if response == [0x69, 0x83] { return 0 }
        fuzzRequire(response[0] == 0x63 && response[1] & 0xF0 == 0xC0, "the PIV observer's PIN is never verified")
        return Int(response[1] & 0x0F)
    }

    private static func observe(_ observer: CardOS<AppletFuzzPlatform>) -> TokenState {
        guard case .response(let response) = observer.process([0x00, 0xCA, 0x01, 0x00, 0x00]),
              response.suffix(2) == [0x90, 0x00], let state = TokenState(tokenInfo: Array(response.dropLast(2))) else {
            fatalError("GET DATA token information always answers")
        }
        return state
    }

    // MARK: Steps

    func perform(_ step: AppletScript.Step) {
        let before = state
        let pivTriesBefore = pivPINTries
        var exchanges: [AppletExchange] = []
        switch step {
        case .apdu(let bytes), .longAPDU(let bytes):
            exchanges += send(bytes)
        case .reset:
            card.reset()
            securityStateLost()
        case .powerCycle:
            powerCycle()
        case .press(let button):
            if let response = card.press(button) { exchanges.append(complete(response)) }
        case .wait(let seconds):
            clock.advance(by: UInt64(seconds) * 1000)
            if let response = card.poll() { exchanges.append(complete(response)) }
        case .powerCut(let write, let bytes):
            memory.cutPower(atWrite: write)
            exchanges += send(bytes)
            powerCycle()
        case .abort:
            card.abort()
            open = nil
        case .putCertificate(let chained):
            for part in certificateAPDUs(chained: chained) { exchanges += send(part) }
        case .verifyPIN:
            exchanges += send(try! CommandAPDU(cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x81, data: pin).bytes)
        case .decipher(let count):
            let cryptogram = currentKey.encrypt([UInt8](repeating: 0x5A, count: count))
            exchanges += send(try! CommandAPDU(cla: 0x00, ins: 0x2A, p1: 0x80, p2: 0x86, data: [0x00] + cryptogram,
                                               ne: count).bytes)
        case .verifyPIVPIN:
            exchanges += send(piv.verifyAPDU)
        case .authenticatePIV:
            let first = send(try! CommandAPDU(cla: 0x00, ins: 0x87, p1: 0x03, p2: 0x9B, data: [0x7C, 0x02, 0x80, 0x00],
                                              ne: 256).bytes)
            exchanges += first
            if let answer = first.last, answer.statusWord == .success,
               let second = PIVTracker.mutualAuthenticationStep2(answer.data) {
                exchanges += send(second)
            }
        }
        state = AppletSession.observe(observer)
        pivPINTries = AppletSession.pivPINTries(pivObserver)
        if tracing { trace(step, exchanges) }
        check(exchanges, before: before, after: state)
        let pivRestored = exchanges.contains { $0.toPIV && PIVTracker.restoresPINTries($0) }
        fuzzRequire(pivPINTries <= pivTriesBefore || pivRestored,
                    "PIV PIN tries went up \(pivTriesBefore) → \(pivPINTries) without a successful VERIFY, CHANGE or RESET RETRY")
        if !exchanges.isEmpty && exchanges.allSatisfy(\.toPIV) {
            fuzzRequire(state == before, "a step that only talked to the PIV applet changed the banking applet's state")
        }
    }

    private func trace(_ step: AppletScript.Step, _ exchanges: [AppletExchange]) {
        let answers = exchanges.map { "\($0.operation) \($0.data.count) bytes \($0.statusWord)" }
        print("\(step.summary) → \(open == nil ? "" : "waiting ")\(answers.joined(separator: ", ")) | counter "
              + "\(state.signatureCounter), PIN tries \(state.pinTries), PUK tries \(state.pukTries), "
              + "must change \(state.pinMustChange), key \(state.keyState), verified \(pinVerified)")
    }

    /// Sends one APDU; an answer that waits for the holder completes in a later step.
    private func send(_ bytes: [UInt8]) -> [AppletExchange] {
        let command = try? CommandAPDU(parsing: bytes)
        let sent = AppletExchange(command: command, response: [], pinVerified: pinVerified,
                                  factoryPIN: state.pinMustChange, toPIV: piv.selected && command?.ins != 0xA4 && command?.ins != 0xC0)
        switch card.process(bytes) {
        case .waiting:
            fuzzRequire(sent.operation == .confirmTransfer, "only CONFIRM TRANSFER waits for the holder")
            open = sent
            return []
        case .response(let response):
            let exchange = AppletExchange(command: command, response: response, pinVerified: sent.pinVerified,
                                          factoryPIN: sent.factoryPIN, toPIV: sent.toPIV)
            fuzzRequire(exchange.response.count >= 2, "every response ends with a status word")
            piv.learnSelection(exchange)
            if exchange.toPIV { piv.check(exchange) }
            return [learn(exchange)]
        }
    }

    /// The holder decided, or the time ran out: the open command's answer.
    private func complete(_ response: [UInt8]) -> AppletExchange {
        guard let sent = open else { fatalError("the card answered a command that was not open") }
        open = nil
        return learn(AppletExchange(command: sent.command, response: response, pinVerified: sent.pinVerified,
                                    factoryPIN: sent.factoryPIN))
    }

    /// Keeps track of the PIN: a VERIFY, CHANGE or UNBLOCK that succeeded verifies it, and
    /// CHANGE and UNBLOCK set a new one.
    private func learn(_ exchange: AppletExchange) -> AppletExchange {
        fuzzRequire(exchange.response.count >= 2, "every response ends with a status word")
        guard exchange.succeeded, exchange.operation.checksPIN else { return exchange }
        pinVerified = true
        if exchange.operation != .verify, let data = exchange.command?.data,
           let first = data.first.map(Int.init), data.count > first + 1 {
            pin = Array(data[(first + 2)...])
        }
        return exchange
    }

    private func powerCycle() {
        memory = memory.powerUp()
        (card, observer, pivObserver) = AppletSession.boot(memory, crypto, clock)
        securityStateLost()
    }

    private func securityStateLost() {
        pinVerified = false
        piv.reset()
        open = nil
    }

    /// The card's key, read with READ PUBLIC KEY (the first pool key when the card has none).
    private var currentKey: PoolKey {
        var modulus: [UInt8] = []
        if case .response(let response) = observer.process([0x00, 0x47, 0x81, 0x01, 0x00, 0x00, 0x00]),
           let template = try? TLV(parsing: response.dropLast(2)), let n = try? template.children().first(0x81) {
            modulus = n.value
        }
        return PoolKey.key(modulus: modulus) ?? PoolKey.all[0]
    }

    /// PUT CERTIFICATE of the card's current key.
    private func certificateAPDUs(chained: Bool) -> [[UInt8]] {
        let certificate = currentKey.certificate
        guard chained else {
            return [try! CommandAPDU(cla: 0x00, ins: 0xDA, p1: 0x01, p2: 0x10, data: certificate, extended: true).bytes]
        }
        return stride(from: 0, to: certificate.count, by: 255).map { start in
            let end = min(certificate.count, start + 255)
            return try! CommandAPDU(cla: end < certificate.count ? 0x10 : 0x00, ins: 0xDA, p1: 0x01, p2: 0x10,
                                    data: Array(certificate[start..<end])).bytes
        }
    }

    // MARK: Invariants

    private func check(_ exchanges: [AppletExchange], before: TokenState, after: TokenState) {
        var signatures: UInt32 = 0
        for exchange in exchanges {
            fuzzRequire(!PoolKey.leaksPrivateKey(exchange.data),
                        "a response holds private-key bytes: \(exchange.response.hexString)")
            guard exchange.succeeded else { continue }
            let operation = exchange.operation
            fuzzRequire(!operation.needsPIN || exchange.pinVerified,
                        "\(operation) answered \(exchange.statusWord) without a verified PIN")
            fuzzRequire(!operation.needsPersonalizedPIN || !exchange.factoryPIN,
                        "\(operation) answered \(exchange.statusWord) under the factory PIN")
            if operation.signs { signatures += 1 }
            if operation == .confirmTransfer && exchange.statusWord == .success {
                checkSignedTransfer(exchange.data, counter: after.signatureCounter)
            }
        }
        fuzzRequire(after.signatureCounter >= before.signatureCounter,
                    "the signature counter went down: \(before.signatureCounter) → \(after.signatureCounter)")
        fuzzRequire(after.signatureCounter - before.signatureCounter >= signatures,
                    "\(signatures) signature(s) but the counter went \(before.signatureCounter) → \(after.signatureCounter)")
        let pinChecked = exchanges.contains { $0.succeeded && $0.operation.checksPIN }
        fuzzRequire(after.pinTries <= before.pinTries || pinChecked,
                    "PIN tries went up \(before.pinTries) → \(after.pinTries) without a successful VERIFY, CHANGE or UNBLOCK")
        let unblocked = exchanges.contains { $0.succeeded && $0.operation == .unblock }
        fuzzRequire(after.pukTries <= before.pukTries || unblocked,
                    "PUK tries went up \(before.pukTries) → \(after.pukTries) without a successful UNBLOCK")
    }

    /// `7C {70 DTBS, 9E signature}`; the DTBS ends with 86 serial and 87 the counter value.
    private func checkSignedTransfer(_ data: [UInt8], counter: UInt32) {
        let fields = (try? TLV(parsing: data)).flatMap { try? $0.children() }
        let dtbs = fields?.first(0x70).flatMap { try? $0.children() }
        fuzzRequire(fields?.first(0x9E) != nil && dtbs != nil, "a confirmed transfer answers 7C {70, 9E}")
        fuzzRequire(dtbs?.first(0x86)?.value == AppletSession.serial, "the DTBS carries the token serial")
        let signed = dtbs?.first(0x87)?.value
        fuzzRequire(signed == [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF),
                               UInt8(counter & 0xFF)], "the DTBS carries the counter value the token committed")
    }
}
