import CardOS
import FuzzSupport
#if canImport(Glibc)
import Glibc
#endif
import HostPlatform
import ISO7816
import TokenDevice

/// One token in memory driven by an ``AppletScript``, with the invariants checked after every
/// step (a violation is a `fatalError`, which libFuzzer reports with the input); the banking
/// applet's are in `AppletSession+Invariants.swift`, the PIV applet's in ``PIVTracker``.
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
    private var oath = OATHTracker()
    /// Every response checked against the transfer keys the token has had.
    let transferKeyWatch = TransferKeyWatch()
    /// The public key (modulus, exponent) of each banking key, by key reference − 1; empty when absent.
    private(set) var publicKeys: [(modulus: [UInt8], exponent: [UInt8])] = []

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
        let image = script.outdated ? TokenImage.outdated : script.personalized ? TokenImage.personalized : TokenImage.factory
        let session = AppletSession(records: image.records, pin: image.pin, retiredKey: image.retiredKey)
        session.tracing = tracingRequested
        for step in script.steps { session.perform(step) }
    }

    /// A token of firmware 1.x (``TokenImage/outdated``): its banking applet refuses everything.
    let outdated: Bool

    init(records: [RecordID: [UInt8]], pin: [UInt8], retiredKey: KeyRecord? = nil) {
        memory = MemoryNVM(records: records)
        self.pin = pin
        outdated = retiredKey != nil
        (card, observer, pivObserver) = AppletSession.boot(memory, crypto, clock, outdated: outdated)
        state = outdated ? .outdated : AppletSession.observe(observer)
        pivPINTries = AppletSession.pivPINTries(pivObserver)
        publicKeys = AppletSession.publicKeys(observer)
        for key in publicKeys where !key.modulus.isEmpty { crypto.exclude(key.modulus) }
        transferKeyWatch.learn(modulus: publicKeys[0].modulus, exponent: publicKeys[0].exponent)
        if let retiredKey {
            // 1.x's key was exposed to a DECIPHER padding oracle: no signature by it may ever leave the card.
            crypto.exclude(retiredKey.modulus)
            transferKeyWatch.learn(modulus: retiredKey.modulus, exponent: retiredKey.exponent)
        }
    }

    private(set) var pivPINTries: Int

    private static func boot(_ memory: MemoryNVM, _ crypto: KeyPoolCrypto, _ clock: ManualClock, outdated: Bool)
        -> (CardOS<AppletFuzzPlatform>, CardOS<AppletFuzzPlatform>, CardOS<AppletFuzzPlatform>) {
        let platform = AppletFuzzPlatform(memory: memory, crypto: crypto, clock: clock)
        let observer = TokenFirmware(platform: platform).card
        fuzzRequire(observer.process(selectBanking) == .response((outdated ? StatusWord.applicationDeactivated : .success).bytes),
                    outdated ? "an outdated token's banking applet answers SELECT 6283" : "the banking applet selects")
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

    /// The NVM records of the three key pairs (`0110`–`0112`, Firmware/BankingApplet/BankingRecords.swift),
    /// compared before and after a step only to skip READ PUBLIC KEY when no key record changed.
    var keyRecords: [[UInt8]?] { (0x0110...0x0112).map { memory.read(RecordID($0)) } }

    /// READ PUBLIC KEY `00 47 81 kk` of the three keys: `7F49 {81 n, 82 e}`.
    private static func publicKeys(_ observer: CardOS<AppletFuzzPlatform>) -> [(modulus: [UInt8], exponent: [UInt8])] {
        (1...3).map { (key: UInt8) in
            guard case .response(let response) = observer.process([0x00, 0x47, 0x81, key, 0x00, 0x00, 0x00]),
                  response.suffix(2) == [0x90, 0x00], let template = try? TLV(parsing: response.dropLast(2)),
                  let numbers = try? template.children(), let n = numbers.first(0x81), let e = numbers.first(0x82) else {
                return ([], [])
            }
            return (n.value, e.value)
        }
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
        let keysBefore = publicKeys.map(\.modulus)
        let keyRecordsBefore = keyRecords
        let pivTriesBefore = pivPINTries
        let exchanges = run(step)
        state = outdated ? .outdated : AppletSession.observe(observer)
        pivPINTries = AppletSession.pivPINTries(pivObserver)
        if keyRecords != keyRecordsBefore { publicKeys = AppletSession.publicKeys(observer) }
        if outdated { checkOutdated(exchanges) }
        if tracing { trace(step, exchanges) }
        check(exchanges, before: before, after: state, keysBefore: keysBefore)
        transferKeyWatch.learn(modulus: publicKeys[0].modulus, exponent: publicKeys[0].exponent)
        let pivRestored = exchanges.contains { $0.toPIV && PIVTracker.restoresPINTries($0) }
        fuzzRequire(pivPINTries <= pivTriesBefore || pivRestored,
                    "PIV PIN tries went up \(pivTriesBefore) → \(pivPINTries) without a successful VERIFY, CHANGE or RESET RETRY")
        if !exchanges.isEmpty && exchanges.allSatisfy({ $0.toPIV || $0.toOATH }) {
            fuzzRequire(state == before && publicKeys.map(\.modulus) == keysBefore,
                        "a step that only talked to the PIV or OATH applet changed the banking applet's state")
        }
        for exchange in exchanges { OATHTracker.check(exchange) }
    }

    /// Carries out one step: the exchanges it made, in order.
    private func run(_ step: AppletScript.Step) -> [AppletExchange] {
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
            exchanges += press(button)
        case .wait(let seconds):
            clock.advance(by: UInt64(seconds) * 1000)
            if let response = card.poll() { exchanges.append(complete(response, approved: false)) }
        case .powerCut(let write, let step):
            memory.cutPower(atWrite: write)
            exchanges += run(step)
            powerCycle()
        case .abort:
            card.abort()
            open = nil
        case .putCertificate(let chained, let slot, let of):
            for part in certificateAPDUs(chained: chained, slot: slot, of: of) { exchanges += send(part) }
        case .verifyPIN:
            exchanges += send(try! CommandAPDU(cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x81, data: pin).bytes)
        case .decipher(let count, let key):
            exchanges += send(decipherAPDU(plaintextCount: count, key: key))
        case .decipherNeInData(let count, let key, let withLe):
            exchanges += send(decipherAPDU(plaintextCount: count, key: key, withLe: withLe))
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
        case .generate(let key, let algorithm, let then):
            exchanges += send(AppletSession.generateAPDU(p1: 0x80, p2: key, algorithm: algorithm))
            if let then { exchanges += press(then) }
        case .generateUnder(let p1, let p2, let algorithm):
            exchanges += send(AppletSession.generateAPDU(p1: p1, p2: p2, algorithm: algorithm))
        case .readPublicKey(let key):
            exchanges += send(try! CommandAPDU(cla: 0x00, ins: 0x47, p1: 0x81, p2: key, ne: 65_536).bytes)
        case .getCertificate(let p2):
            exchanges += send(try! CommandAPDU(cla: 0x00, ins: 0xCA, p1: 0x01, p2: p2, ne: 65_536).bytes)
        case .certificationRequest(let key, let subject, let mutation, let position):
            exchanges += send(AppletSession.requestAPDU(key: key, subject: subject, mutation: mutation, position: position))
        case .sign(let operand):
            exchanges += send(AppletSession.signAPDU(operand))
        case .internalAuthenticate(let length):
            exchanges += send(AppletSession.internalAuthenticateAPDU(length: length))
        case .oathPut(let operand):
            for apdu in OATHTracker.putAPDUs(operand) { exchanges += send(apdu) }
        case .oathCalculate(let operand):
            exchanges += send(OATHTracker.calculateAPDU(operand))
        }
        return exchanges
    }

    private func press(_ button: Button) -> [AppletExchange] {
        guard let response = card.press(button) else { return [] }
        return [complete(response, approved: button == .ok)]
    }

    private func trace(_ step: AppletScript.Step, _ exchanges: [AppletExchange]) {
        let answers = exchanges.map { "\($0.operation) \($0.data.count) bytes \($0.statusWord)" }
        print("\(step.summary) → \(open == nil ? "" : "waiting ")\(answers.joined(separator: ", ")) | counters "
              + "\(state.transferCounter)/\(state.authenticationCounter), PIN tries \(state.pinTries), PUK tries \(state.pukTries), "
              + "must change \(state.pinMustChange), keys \(state.keys), verified \(pinVerified)")
    }

    /// Sends one APDU; an answer that waits for the holder completes in a later step.
    private func send(_ bytes: [UInt8]) -> [AppletExchange] {
        let command = try? CommandAPDU(parsing: bytes)
        let isSelect = command?.ins == 0xA4 && command?.p1 == 0x04
        var sent = AppletExchange(command: command, response: [], pinVerified: pinVerified,
                                  factoryPIN: state.pinMustChange, toPIV: piv.selected && !isSelect && command?.ins != 0xC0)
        sent.toOATH = oath.selected && !isSelect && command?.ins != 0xC0
        switch card.process(bytes) {
        case .noAnswer:
            // Power failed during the command's NVM commit: nothing leaves the card.
            fuzzRequire(memory.isPowerLost, "no answer only after a power cut")
            return []
        case .waiting:
            fuzzRequire(sent.operation.waitsForHolder || (sent.toOATH && command?.ins == 0xA2),
                        "only CONFIRM TRANSFER, GENERATE of the transfer key and OATH CALCULATE of a touch credential wait for the holder")
            open = sent
            return []
        case .response(let response):
            var exchange = AppletExchange(command: command, response: response, pinVerified: sent.pinVerified,
                                          factoryPIN: sent.factoryPIN, toPIV: sent.toPIV)
            exchange.toOATH = sent.toOATH
            fuzzRequire(exchange.response.count >= 2, "every response ends with a status word")
            piv.learnSelection(exchange)
            oath.learnSelection(exchange)
            if exchange.toPIV { piv.check(exchange) }
            return [learn(exchange)]
        }
    }

    /// The holder decided (`approved`: pressed OK), or the time ran out: the open command's answer.
    private func complete(_ response: [UInt8], approved: Bool) -> AppletExchange {
        guard let sent = open else { fatalError("the card answered a command that was not open") }
        open = nil
        var exchange = AppletExchange(command: sent.command, response: response, pinVerified: sent.pinVerified,
                                      factoryPIN: sent.factoryPIN, approvedOnDevice: approved)
        exchange.toOATH = sent.toOATH
        return learn(exchange)
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
        (card, observer, pivObserver) = AppletSession.boot(memory, crypto, clock, outdated: outdated)
        securityStateLost()
    }

    private func securityStateLost() {
        pinVerified = false
        piv.reset()
        oath.reset()
        open = nil
    }
}
