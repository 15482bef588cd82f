import Foundation
import PCSCTestSupport
import Testing

/// Issue 20: every fault of `ukey emulator fault add` as stock clients see it through the UKey
/// driver and a private pcscd — pyscard for status words, delays and what pcscd reports for
/// removal, reset and disconnect; the `ukey` command line for the host library's TokenError.
@Suite(.serialized, .tags(.process), .enabled(if: FaultStack.available, "needs pcscd, python3-pyscard and the built ukey and driver"))
struct FaultInjectionTests {
    static let ok = "SCARD_S_SUCCESS"

    @Test("--respond --before / --after and --delay, through pyscard")
    func statusWordsAndDelay() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            try stack.fault(["add", "--ins", "A4", "--respond", "6A82"])
            try stack.fault(["add", "--ins", "CA", "--delay", "800ms"])
            // VERIFY of the factory PIN: its answer is replaced, but it ran (VERIFY without data
            // then says the PIN is verified: 9000).
            try stack.fault(["add", "--ins", "20", "--p1p2", "0081", "--apdu-prefix", "0020008106", "--respond", "6F00", "--after"])
            let steps = try stack.pyscard([FaultStack.select, FaultStack.select, FaultStack.getData, FaultStack.getData,
                                           "0020008106@PIN@", "00200081"])
            #expect(steps.map(\.result) == Array(repeating: Self.ok, count: 6), "\(steps)")
            #expect(steps.map { $0.sw ?? "" } == ["6A82", "9000", "9000", "9000", "6F00", "9000"], "\(steps)")
            #expect(steps[0].length == 2)
            #expect(steps[2].milliseconds >= 800, "the delayed GET DATA: \(steps[2])")
            let list = try stack.fault(["list", "--json"]).stdout
            #expect(list.contains(#""fired":1"#), "\(list)")
            let log = stack.emulator.errors.all.joined(separator: "\n")
            #expect(log.contains("1-1 fault 1 respond on INS A4") && log.contains("1-1 fault 2 delay on INS CA"), "\(log)")
        }
    }

    @Test("--no-answer: time extensions until the driver's limit (3 s) aborts; --silent: the read time-out, then the abort")
    func noAnswerAndSilent() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            try stack.fault(["add", "--ins", "CA", "--no-answer"])
            try stack.fault(["add", "--ins", "CA", "--nth", "2", "--silent"])
            let steps = try stack.pyscard([FaultStack.select, FaultStack.getData, FaultStack.select, FaultStack.getData,
                                           FaultStack.select], timeout: 120)
            #expect(steps.count == 5, "\(steps)")
            guard steps.count == 5 else { return }
            #expect(steps[0].sw == "9000")
            // The driver aborts the XfrBlock at its limit: pcscd says SCARD_E_NOT_TRANSACTED.
            #expect(steps[1].result == "SCARD_E_NOT_TRANSACTED", "\(steps[1])")
            #expect(steps[1].milliseconds >= Double(FaultStack.apduTimeLimitSeconds * 1000), "\(steps[1])")
            #expect(steps[2].sw == "9000", "the slot works again after the abort: \(steps[2])")
            // No time extension: the driver's 10 s read time-out fires.
            #expect(steps[3].result == "SCARD_E_NOT_TRANSACTED", "\(steps[3])")
            #expect(steps[3].milliseconds >= 10_000, "the driver's read time-out: \(steps[3])")
            // The driver aborted the mute command (CCID §5.3.1): the slot is free again.
            #expect(steps[4].sw == "9000", "the slot works again after the read time-out: \(steps[4])")
        }
    }

    @Test("--remove, --reset, --disconnect: what pcscd reports, and the token comes back")
    func removeResetDisconnect() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            try stack.fault(["add", "--ins", "CA", "--reset"])
            var steps = try stack.pyscard([FaultStack.select, FaultStack.getData, "wait-present", "20", "status", FaultStack.select])
            // As stock libccid: the mute card still in the slot is a communication error
            // (IFD_COMMUNICATION_ERROR), not a removal; pcscd then sees it go and come back.
            #expect(steps.count == 5 && steps[1].result == "SCARD_E_NOT_TRANSACTED", "\(steps)")
            #expect(steps.count == 5 && steps[2].result == Self.ok, "the card is back: \(steps)")
            #expect(steps.count == 5 && steps[3].atr == PCSCTestStack.atr.map { String(format: "%02X", $0) }.joined(), "ATR again: \(steps)")
            #expect(steps.last?.sw == "9000", "\(steps)")

            try stack.fault(["add", "--ins", "CA", "--disconnect"])
            steps = try stack.pyscard([FaultStack.select, FaultStack.getData, "wait-present", "20", FaultStack.select])
            #expect(steps.count == 4 && steps[1].result == "SCARD_E_NOT_TRANSACTED", "\(steps)")
            #expect(steps.count == 4 && steps[2].result == Self.ok, "the driver reconnected: \(steps)")
            #expect(steps.last?.sw == "9000", "\(steps)")

            try stack.fault(["add", "--ins", "CA", "--remove"])
            steps = try stack.pyscard([FaultStack.select, FaultStack.getData])
            #expect(steps.count == 2 && steps[1].result == "SCARD_E_NO_SMARTCARD", "\(steps)")
            let status = try stack.control("status", ["--json"]).stdout
            #expect(status.contains(#""present":false"#), "the card stays out: \(status)")
            try stack.control("insert")
            steps = try stack.pyscard([FaultStack.select])
            #expect(steps.first?.sw == "9000", "\(steps)")
        }
    }

    @Test("--tear: no answer, the link drops, the token comes back with the last committed state")
    func tear() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            try stack.fault(["add", "--ins", "24", "--tear"])
            let change = try stack.ukey(["token", "pin", "change", "--reader", stack.reader],
                                        secrets: ["UKEY_PIN": FaultStack.factoryPIN, "UKEY_NEW_PIN": "24681357"])
            #expect(change.status != 0, "\(change)")
            #expect(change.stderr.contains("cannot reach the token: SCARD_E_NOT_TRANSACTED"), "\(change)")
            let steps = try stack.pyscard(["wait-present", "20", FaultStack.select, "0020008106@PIN@"])
            #expect(steps.map { $0.sw ?? "" }.suffix(2) == ["9000", "9000"], "the factory PIN is still the PIN: \(steps)")
            #expect(stack.emulator.errors.all.joined(separator: "\n").contains("lost power during an NVM commit"))
        }
    }

    @Test("T=1 TPDU mode: --corrupt-block and --wtx N are absorbed by the driver's T=1; refused in APDU mode")
    func tpduFaults() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack(extraArguments: ["--exchange", "tpdu"])
            defer { stack.stop() }
            try stack.fault(["add", "--ins", "A4", "--corrupt-block"])
            try stack.fault(["add", "--ins", "CA", "--wtx", "2"])
            let steps = try stack.pyscard([FaultStack.select, FaultStack.getData, FaultStack.select])
            #expect(steps.map { $0.sw ?? "" } == ["9000", "9000", "9000"], "\(steps)")
            let list = try stack.fault(["list"]).stdout
            #expect(list.components(separatedBy: "(fired 1)").count == 3, "both fired: \(list)")
        }
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            let refused = try stack.ukey(["emulator", "fault", "add", "--ins", "A4", "--corrupt-block", "--state", stack.stateDirectory])
            #expect(refused.status != 0 && refused.stderr.contains("needs T=1 TPDU mode"), "\(refused)")
        }
    }

    @Test("The host library's TokenError for each fault (ukey token info)")
    func tokenErrors() async throws {
        try await PCSCTestStack.blocking {
            let stack = try FaultStack()
            defer { stack.stop() }
            // Without --reader the finder looks for a token: one that selects the banking applet
            // and then fails GET DATA is reported as such, not as "no UKey token found".
            try stack.fault(["add", "--ins", "CA", "--respond", "6F00"])
            let found = try stack.ukey(["token", "info"])
            #expect(found.status != 0, "\(found)")
            #expect(found.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                        == "ukey: GET DATA: the token answered 6F00 (no precise diagnosis)", "\(found)")
            var seen: [String: String] = [:]
            for (action, arguments) in [("respond", ["--respond", "6F00"]), ("no-answer", ["--no-answer"]),
                                        ("remove", ["--remove"]), ("reset", ["--reset"])] {
                try stack.fault(["add", "--ins", "CA"] + arguments)
                let out = try stack.ukey(["token", "info", "--reader", stack.reader])
                seen[action] = out.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(out.status != 0, "\(action): \(out)")
                if action == "remove" { try stack.control("insert") }
                try stack.fault(["clear"])
            }
            // TokenError.unexpectedStatus, .transport (pcscd's SCARD_E_NOT_TRANSACTED), .removed.
            #expect(seen["respond"] == "ukey: GET DATA: the token answered 6F00 (no precise diagnosis)", "\(seen)")
            #expect(seen["no-answer"]?.hasPrefix("ukey: cannot reach the token: SCARD_E_NOT_TRANSACTED") == true, "\(seen)")
            #expect(seen["remove"] == "ukey: the token was removed", "\(seen)")
            #expect(seen["reset"]?.hasPrefix("ukey: cannot reach the token: SCARD_E_NOT_TRANSACTED") == true, "\(seen)")
        }
    }
}
