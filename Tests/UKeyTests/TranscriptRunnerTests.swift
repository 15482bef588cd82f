import ISO7816
import Synchronization
import Testing
import UKey

/// The runner against an in-memory card: bytes sent, captures, steps, failures with their line
/// numbers, and PINs kept out of traces and failure messages.
@Suite struct TranscriptRunnerTests {
    private static let pin = "123456"
    private static let pinHex = Array(pin.utf8).hexString   // what would leak if redaction failed

    private func run(_ text: String, card: ScriptedCard, steps: [String: TranscriptStep] = [:],
                     trace: (@Sendable (TranscriptExchange) -> Void)? = nil) async throws -> TranscriptResult {
        let runner = TranscriptRunner(channel: card, steps: steps, environment: ["PIN": Self.pin], trace: trace)
        return try await runner.run(Transcript(parsing: text))
    }

    @Test("a passing transcript sends the substituted bytes, captures data and step results, and traces each exchange")
    func passingRun() async throws {
        let card = ScriptedCard.miniToken()
        let traced = Mutex<[TranscriptExchange]>([])
        let steps: [String: TranscriptStep] = ["reverse": { arguments in
            String([UInt8](hex: arguments[0])!.reversed().hexString)
        }]
        let result = try await run("""
            > 00 A4 04 00 [F0554B455901] 00
            < 6F08 8406 F0554B455901 9000 =fci
            > 00 20 00 81 [${ascii:PIN}]
            < 9000
            > 00 84 00 00 08
            < 0102 .... * 9000 =challenge
            !reverse ${challenge} =egnellahc
            > 00 EE 00 00 [${egnellahc} ${len:fci}] 00
            < ${egnellahc} 0A 9000
            """, card: card, steps: steps, trace: { exchange in traced.withLock { $0.append(exchange) } })

        #expect(card.received.map(\.hexString) == [
            "00A4040006F0554B45590100",
            "0020008106" + Self.pinHex,
            "0084000008",
            "00EE0000090807060504030201" + "0A" + "00",
        ])
        #expect(result.captures == ["fci": "6F088406F0554B455901", "challenge": "0102030405060708",
                                    "egnellahc": "0807060504030201"])
        #expect(result.stepCount == 1)
        #expect(result.exchanges.map(\.line) == [1, 3, 5, 8])
        #expect(traced.withLock { $0 } == result.exchanges)
        #expect(result.exchanges[0].command == "00A40400 06 F0554B455901 00")
        #expect(result.exchanges[1].command == "00200081 ••••")
        #expect(result.exchanges[1].isRedacted)
        #expect(!result.exchanges.map(\.description).joined().contains(Self.pinHex))
    }

    @Test("a response that does not match fails at its line with command, response and expectation")
    func mismatch() async throws {
        let card = ScriptedCard.miniToken()
        let failure = await #expect(throws: TranscriptFailure.self) {
            try await run("""
                # select, then an instruction the card does not know
                > 00 A4 04 00 [F0554B455901] 00
                < 6F.. * 9000

                > 00 B0 00 00 00
                < * 9000
                > 00 A4 04 00 [F0554B455901] 00
                """, card: card)
        }
        #expect(failure?.line == 6)
        #expect(failure?.kind == .mismatch)
        #expect(failure?.command == "00B00000 00")
        #expect(failure?.response == "6D00")
        #expect(failure?.expectation == "* 9000")
        #expect(failure?.message == "response to line 5 does not match: status word 6D00, expected 9000")
        #expect(card.received.count == 2, "the run stops at the failing line")
    }

    @Test("a failed VERIFY shows the PIN as •••• in the failure and the trace")
    func redactedVerify() async throws {
        let card = ScriptedCard.miniToken()
        let traced = Mutex<[String]>([])
        let failure = await #expect(throws: TranscriptFailure.self) {
            try await run("""
                > 00 20 00 81 [${ascii:PIN} 00]
                < 9000
                """, card: card, trace: { exchange in traced.withLock { $0.append(exchange.description) } })
        }
        #expect(card.received.first?.hexString == "0020008107" + Self.pinHex + "00", "the card got the real PIN")
        #expect(failure?.line == 2)
        #expect(failure?.command == "00200081 ••••")
        #expect(failure?.response == "63C2")
        let shown = (failure?.description ?? "") + traced.withLock { $0.joined() }
        #expect(shown.contains("••••"))
        #expect(!shown.contains(Self.pinHex))
        #expect(!shown.contains(Self.pin))
    }

    @Test("CHANGE and UNBLOCK data are redacted too, also when the card is reached without brackets", arguments: [
        "0024008110" + "06313233343536" + "06363534333231",
        "002C00810E" + "0431323334" + "0838373635343332",
        "10200081063132333435",
        "0020008103AB",           // Lc does not fit: still hidden
    ])
    func redactedDisplay(command: String) throws {
        let (text, redacted) = TranscriptExchange.display(command: try #require([UInt8](hex: command)))
        #expect(redacted)
        #expect(text == String(command.prefix(8)) + " ••••")
    }

    @Test("an unknown variable or step fails before any command is sent")
    func checkedBeforeSending() async throws {
        let card = ScriptedCard.miniToken()
        let variable = await #expect(throws: TranscriptFailure.self) {
            try await run("> 00 84 00 00 08\n< * 9000 =c\n\n> 00 EE 00 00 [${c} ${d}]\n", card: card)
        }
        #expect(variable?.line == 4)
        #expect(variable?.kind == .undefinedVariable("d"))
        let step = await #expect(throws: TranscriptFailure.self) {
            try await run("> 00 84 00 00 08\n!certify 00\n", card: card)
        }
        #expect(step?.line == 2)
        #expect(step?.kind == .unknownStep("certify"))
        #expect(card.received.isEmpty)
    }

    @Test("a capture shadows an environment value of the same name")
    func captureBeforeEnvironment() async throws {
        let card = ScriptedCard.miniToken()
        let result = try await run("> 00 84 00 00 08\n< * 9000 =PIN\n> 00 EE 00 00 [${PIN}]\n< ${PIN} 9000\n", card: card)
        #expect(card.received.last?.hexString == "00EE0000080102030405060708")
        #expect(result.captures["PIN"] == "0102030405060708")
    }

    @Test("printing or dumping a runner shows the environment's names, not its values")
    func runnerDescription() {
        let runner = TranscriptRunner(channel: ScriptedCard.miniToken(), environment: ["PIN": Self.pin])
        var dumped = ""
        dump(runner, to: &dumped)
        #expect(String(describing: runner).contains("PIN"))
        #expect(!String(describing: runner).contains(Self.pin))
        #expect(!dumped.contains(Self.pin))
        #expect(!String(reflecting: runner).contains(Self.pin))
    }

    @Test("a capture is only visible on later lines")
    func captureOrder() async throws {
        let failure = await #expect(throws: TranscriptFailure.self) {
            try await run("!use ${later}\n> 00 84 00 00 08\n< * 9000 =later\n", card: ScriptedCard.miniToken(),
                          steps: ["use": { _ in nil }])
        }
        #expect(failure?.kind == .undefinedVariable("later"))
        #expect(failure?.line == 1)
    }

    @Test("a step that throws, or returns nothing to capture, fails at its line")
    func stepFailures() async throws {
        struct Refused: Error {}
        let steps: [String: TranscriptStep] = ["refuse": { _ in throw Refused() }, "nothing": { _ in nil }]
        let thrown = await #expect(throws: TranscriptFailure.self) {
            try await run("# one\n!refuse 00\n", card: ScriptedCard.miniToken(), steps: steps)
        }
        #expect(thrown?.line == 2)
        #expect(thrown?.kind == .stepFailed("refuse"))
        let empty = await #expect(throws: TranscriptFailure.self) {
            try await run("!nothing\n!nothing =x\n", card: ScriptedCard.miniToken(), steps: steps)
        }
        #expect(empty?.line == 2)
    }

    @Test("a channel error or a reply shorter than a status word fails at the command line")
    func channelFailures() async throws {
        let removed = await #expect(throws: TranscriptFailure.self) {
            try await run("> 00 A4 04 00 [F0554B455901]\n< * 9000\n> 00 FF 00 00\n", card: ScriptedCard.miniToken())
        }
        #expect(removed?.line == 3)
        #expect(removed?.kind == .channel)
        #expect(removed?.message.contains("the card was removed") == true)
        let short = await #expect(throws: TranscriptFailure.self) {
            try await run("> 00 A4 04 00\n", card: ScriptedCard { _ in [0x90] })
        }
        #expect(short?.kind == .channel)
        #expect(short?.response == "90")
    }

    @Test("a line that is only checkable after substitution fails at run time with its number")
    func invalidAfterSubstitution() async throws {
        let failure = await #expect(throws: TranscriptFailure.self) {
            try await run("> 00 84 00 00 08\n< * 9000\n> 00 EE 00 00 [${ascii:PIN}] ${PIN}\n", card: ScriptedCard.miniToken())
        }
        #expect(failure?.line == 3)
        #expect(failure?.kind == .invalidLine)
        #expect(failure?.description.contains(Self.pin) == false)
    }
}
