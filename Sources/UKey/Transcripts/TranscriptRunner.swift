import ISO7816

/// A step a transcript calls with `!name ARGS…`: it gets the arguments after substitution and
/// returns a hex result for `=capture`, or `nil`. Throwing fails the transcript at that line.
public typealias TranscriptStep = @Sendable (_ arguments: [String]) async throws -> String?

/// Runs a ``Transcript`` against a card, line by line, stopping at the first failure.
///
/// Before sending anything it checks that every `!name` is in ``steps`` and that every
/// `${name}` is captured on an earlier line or is in ``environment``.
public struct TranscriptRunner: Sendable, CustomStringConvertible, CustomReflectable {
    public var channel: any CardChannel
    public var steps: [String: TranscriptStep]
    /// Values for `${NAME}` that are not captures (`PIN`, `FACTORY_PIN`, …). They may be secrets:
    /// the runner never prints them.
    public var environment: [String: String]
    /// Called with each exchange as it happens (secrets redacted), for `--trace`.
    public var trace: (@Sendable (TranscriptExchange) -> Void)?

    public init(channel: any CardChannel, steps: [String: TranscriptStep] = [:], environment: [String: String] = [:],
                trace: (@Sendable (TranscriptExchange) -> Void)? = nil) {
        self.channel = channel
        self.steps = steps
        self.environment = environment
        self.trace = trace
    }

    /// Names the steps and the environment's variables, never their values.
    public var description: String {
        "TranscriptRunner(steps: \(steps.keys.sorted()), environment: \(environment.keys.sorted()))"
    }

    /// What `dump` and debuggers show: the same as ``description``, so environment values stay hidden.
    public var customMirror: Mirror {
        Mirror(self, children: ["channel": channel, "steps": steps.keys.sorted(), "environment": environment.keys.sorted()])
    }

    /// Runs `transcript`; throws at the first line that fails.
    public func run(_ transcript: Transcript) async throws(TranscriptFailure) -> TranscriptResult {
        try check(transcript)
        var captures: [String: String] = [:]
        var exchanges: [TranscriptExchange] = []
        var stepCount = 0
        for line in transcript.lines {
            let values = captures
            let lookup: (String) -> String? = { values[$0] ?? environment[$0] }
            switch line.kind {
            case .command(let command):
                let exchange = try await exchange(command, line: line.number, lookup: lookup)
                trace?(exchange)
                exchanges.append(exchange)
            case .response(let template, let capture):
                guard let exchange = exchanges.last else {
                    throw TranscriptFailure(line: line.number, kind: .invalidLine, message: "a response line without a command before it")
                }
                let pattern: ResponsePattern
                do {
                    pattern = try ResponsePattern(parsing: template.substitute(lookup))
                } catch {
                    throw TranscriptFailure(line: line.number, kind: .invalidLine, message: error.message)
                }
                if let reason = pattern.mismatch(in: exchange.response) {
                    throw TranscriptFailure(line: line.number, kind: .mismatch,
                                            message: "response to line \(exchange.line) does not match: \(reason)",
                                            command: exchange.command, response: exchange.responseText,
                                            expectation: pattern.description)
                }
                if let capture { captures[capture] = exchange.response.data.hexString }
            case .step(let name, let arguments, let capture):
                let result = try await runStep(name, arguments, line: line.number, lookup: lookup)
                stepCount += 1
                if let capture {
                    guard let result, let bytes = [UInt8](hex: result) else {
                        throw TranscriptFailure(line: line.number, kind: .stepFailed(name),
                                                message: "!\(name) returned no hex result to capture as \(capture)")
                    }
                    captures[capture] = bytes.hexString
                }
            }
        }
        return TranscriptResult(exchanges: exchanges, captures: captures, stepCount: stepCount)
    }

    /// Fails on unknown steps and undefined variables before the first command is sent.
    private func check(_ transcript: Transcript) throws(TranscriptFailure) {
        for line in transcript.lines {
            if case .step(let name, _, _) = line.kind, steps[name] == nil {
                let known = steps.keys.sorted().joined(separator: ", ")
                throw TranscriptFailure(line: line.number, kind: .unknownStep(name),
                                        message: "unknown step !\(name) (known: \(known.isEmpty ? "none" : known))")
            }
        }
        if let (number, reference) = transcript.firstUndefinedReference(environment: Set(environment.keys)) {
            throw TranscriptFailure(line: number, kind: .undefinedVariable(reference.name),
                                    message: "unknown variable \(reference): neither captured on an earlier line nor in the environment")
        }
    }

    /// Sends one command and records the exchange.
    private func exchange(_ command: TranscriptCommand, line: Int,
                          lookup: (String) -> String?) async throws(TranscriptFailure) -> TranscriptExchange {
        var bytes: [UInt8]
        do {
            bytes = try command.encode(lookup)
        } catch {
            throw TranscriptFailure(line: line, kind: .invalidLine, message: error.message)
        }
        defer { bytes.cleanse() }
        let shown = TranscriptExchange.display(command: bytes).text
        let received: [UInt8]
        do {
            received = try await ShortAPDUs.transmit(bytes, over: channel)
        } catch {
            throw TranscriptFailure(line: line, kind: .channel, message: "transmit failed: \(error)", command: shown)
        }
        guard let response = try? ResponseAPDU(parsing: received) else {
            throw TranscriptFailure(line: line, kind: .channel,
                                    message: "the card answered \(received.count) bytes, fewer than a status word",
                                    command: shown, response: received.hexString)
        }
        return TranscriptExchange(line: line, command: bytes, response: response)
    }

    /// Calls one step with its substituted arguments.
    private func runStep(_ name: String, _ arguments: [TranscriptTemplate], line: Int,
                         lookup: (String) -> String?) async throws(TranscriptFailure) -> String? {
        guard let step = steps[name] else { preconditionFailure("check(_:) refuses unknown steps") }
        var values: [String] = []
        for argument in arguments {
            do {
                values.append(try argument.substitute(lookup))
            } catch {
                throw TranscriptFailure(line: line, kind: .invalidLine, message: error.message)
            }
        }
        do {
            return try await step(values)
        } catch {
            throw TranscriptFailure(line: line, kind: .stepFailed(name), message: "!\(name) failed: \(error)")
        }
    }
}
