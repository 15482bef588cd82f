import ArgumentParser
import UKeyControl

// `ukey emulator fault add|list|clear` (issue 20): a running emulator's fault table per token.

/// `ukey emulator fault`: make a token misbehave on chosen commands.
struct EmulatorFaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject faults: make a token fail on chosen commands (for testing clients).",
        subcommands: [EmulatorFaultAddCommand.self, EmulatorFaultListCommand.self, EmulatorFaultClearCommand.self])
}

/// `ukey emulator fault add --ins 2A --respond 6F00 --before`, …
struct EmulatorFaultAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a fault to a token's table.",
        discussion: """
            Matches a command APDU as the card receives it (chained parts joined, CLA without the \
            chaining bit). Fires once on the --nth match (default 1), or --times N matches, or \
            --always. Exactly one action. Faults never bypass the PIN, the confirmation or key \
            separation: they only make the token fail.
            """)

    @Option(help: "Match CLA (hex, chaining bit ignored).") var cla: String?
    @Option(help: "Match INS (hex, e.g. 2A).") var ins: String?
    @Option(help: "Match P1 P2 (4 hex digits).") var p1p2: String?
    @Option(name: .customLong("apdu-prefix"), help: "Match the command's first bytes (hex).") var apduPrefix: String?
    @Option(help: "Fire on the N-th matching command (from now).") var nth: Int?
    @Option(help: "Fire on N matches (default 1).") var times: Int?
    @Flag(help: "Fire on every match.") var always = false

    @Option(help: "Answer with this status word (hex) instead of the command's.") var respond: String?
    @Flag(help: "With --respond: the command is not run (default).") var before = false
    @Flag(help: "With --respond: the command runs, its answer is replaced (a lost response).") var after = false
    @Option(help: "Hold the answer this long (800ms, 2s), time extensions meanwhile.") var delay: String?
    @Flag(name: .customLong("no-answer"), help: "Never answer; send time extensions until the host aborts.") var noAnswer = false
    @Flag(help: "Never answer and send nothing: the host's command time-out fires.") var silent = false
    @Flag(help: "Remove the card mid-command (it stays out until `ukey emulator insert`).") var remove = false
    @Flag(help: "Close the USB/IP link mid-command, as an unplug.") var disconnect = false
    @Flag(help: "Reset the card mid-command (the host powers it on again: ATR).") var reset = false
    @Flag(help: "Power fails during the command's NVM commit (the last committed state is kept).") var tear = false
    @Flag(name: .customLong("corrupt-block"), help: "T=1 TPDU mode: the answer block's EDC is wrong.") var corruptBlock = false
    @Option(help: "T=1 TPDU mode: S(WTX request) with this multiplier before the answer.") var wtx: Int?

    @OptionGroup var options: EmulatorControlOptions

    /// The one action given, as the control protocol's fault.
    func fault() throws -> ControlFault {
        var actions: [String] = []
        if respond != nil { actions.append("respond") }
        if delay != nil { actions.append("delay") }
        if noAnswer { actions.append("no-answer") }
        if silent { actions.append("silent") }
        if remove { actions.append("remove") }
        if disconnect { actions.append("disconnect") }
        if reset { actions.append("reset") }
        if tear { actions.append("tear") }
        if corruptBlock { actions.append("corrupt-block") }
        if wtx != nil { actions.append("wtx") }
        guard actions.count == 1 else {
            throw ValidationError("give exactly one action: --respond SW, --delay, --no-answer, --silent, --remove, "
                                  + "--disconnect, --reset, --tear, --corrupt-block or --wtx N")
        }
        if (before || after) && respond == nil { throw ValidationError("--before and --after go with --respond") }
        if before && after { throw ValidationError("--before or --after, not both") }
        if times != nil && always { throw ValidationError("--times or --always, not both") }
        var fault = ControlFault(action: actions[0])
        fault.cla = cla?.uppercased()
        fault.ins = ins?.uppercased()
        fault.p1p2 = p1p2?.uppercased()
        fault.apduPrefix = apduPrefix?.uppercased()
        fault.nth = nth
        fault.times = times
        fault.always = always ? true : nil
        if let respond {
            fault.sw = respond.uppercased()
            fault.after = after
        }
        if let delay {
            guard let milliseconds = Self.milliseconds(delay) else {
                throw ValidationError("--delay takes a duration: 800ms, 2s, 1.5s (a bare number is milliseconds)")
            }
            fault.milliseconds = milliseconds
        }
        fault.multiplier = wtx
        return fault
    }

    /// `800ms`, `2s`, `1.5s`, `800` (milliseconds).
    static func milliseconds(_ text: String) -> Int? {
        let scale: Double
        var number = Substring(text)
        if number.hasSuffix("ms") {
            scale = 1
            number = number.dropLast(2)
        } else if number.hasSuffix("s") {
            scale = 1000
            number = number.dropLast()
        } else {
            scale = 1
        }
        guard let value = Double(number), value >= 0, value * scale <= 86_400_000 else { return nil }
        return Int((value * scale).rounded())
    }

    func validate() throws {
        _ = try fault()
    }

    func run() throws {
        try options.run(.faultAdd(token: options.token, fault: try fault()))
    }
}

/// `ukey emulator fault list`: a token's faults and how often each fired.
struct EmulatorFaultListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a token's faults.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.faultList(token: options.token))
    }
}

/// `ukey emulator fault clear`: no more faults on the token.
struct EmulatorFaultClearCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear", abstract: "Remove every fault of a token.")

    @OptionGroup var options: EmulatorControlOptions

    func run() throws {
        try options.run(.faultClear(token: options.token))
    }
}
