import ISO7816

/// The card operating system: takes command APDUs from the reader side, applies the
/// ISO/IEC 7816-4 transport rules and dispatches complete commands to the selected applet.
///
/// What it owns:
/// - SELECT by AID (full or right-truncated), applet registry, the current selection;
/// - command chaining (CLA bit 0x10): parts are joined before the applet sees the command;
/// - response sizing: data beyond Ne (256 when no Le; at most 256 in a short APDU) is kept for
///   GET RESPONSE `00 C0 00 00 Le` (or the selected applet's ``Applet/sendRemainingInstruction``)
///   and announced with 61xx;
/// - CLA: only 00 (ISO) and 80 (proprietary), each with the chaining bit, reach the applets;
///   anything else is 6E00;
/// - confirmations: an applet that needs the holder returns pages; the card OS shows them,
///   moves on with OK, and resumes the applet on the last page's OK, on Cancel, on timeout or
///   on abort. Nothing blocks: buttons and the clock arrive as calls.
///
/// Not thread-safe: the host calls it from one thread at a time (the emulator serialises per token).
public final class CardOS<P: Platform> {
    public let platform: P
    /// The most command data a chain may accumulate.
    public static var maxChainedData: Int { 8192 }

    private var applets: [any Applet] = []
    private var selected: (any Applet)? = nil
    private var chain: CommandChain? = nil
    private var pendingResponse: [UInt8] = []
    private var confirmation: PendingConfirmation? = nil

    public init(platform: P) {
        self.platform = platform
    }

    /// Adds an applet to the card; SELECT finds applets in installation order.
    public func install(_ applet: any Applet) {
        applets.append(applet)
    }

    /// Whether a command is open, waiting for the holder.
    public var isWaiting: Bool { confirmation != nil }

    /// The page on the screen while a command waits for the holder.
    public var screen: Screen? {
        guard let confirmation else { return nil }
        return confirmation.pages[confirmation.page]
    }

    // MARK: Power

    /// Cold or warm reset (also power-off and card removal): ends a waiting command without an
    /// answer, forgets the selection, chains, pending response data and every applet's
    /// volatile security state.
    public func reset() {
        if confirmation != nil { _ = finish(.aborted) }
        selected = nil
        chain = nil
        pendingResponse = []
        for applet in applets { applet.reset() }
    }

    // MARK: Commands

    /// Processes one command APDU. The answer is a response APDU, or ``CardOutput/waiting`` when
    /// the command waits for the holder (it completes through ``press(_:)`` or ``poll()``).
    public func process(_ bytes: [UInt8]) -> CardOutput {
        process(bytes, origin: .host)
    }

    /// ``process(_:)`` with the command's origin, which the applet sees (``Applet/process(_:origin:)``).
    /// The keypad's commands are never chained.
    public func process(_ bytes: [UInt8], origin: CommandOrigin) -> CardOutput {
        // A reader never sends a second command to a busy slot; if one arrives, refuse it and
        // keep the open command.
        guard confirmation == nil else { return .response(StatusWord.conditionsNotSatisfied.bytes) }
        let available = pendingResponse
        pendingResponse = []
        let command: CommandAPDU
        do {
            command = try CommandAPDU(parsing: bytes)
        } catch {
            chain = nil
            return .response(StatusWord.wrongLength.bytes)
        }
        let baseClass = command.cla & ~0x10
        guard baseClass == 0x00 || baseClass == 0x80 else {
            chain = nil
            return .response(StatusWord.claNotSupported.bytes)
        }
        let isSendRemaining = selected.map { $0.sendRemainingInstruction == command.ins } ?? false
        let isSelect = command.ins == 0xA4 && !(command.p1 != 0x04 && (selected?.takesA4WithoutSelectP1 ?? false))
        if baseClass == 0x00 && (command.ins == 0xC0 || isSelect || isSendRemaining) {
            chain = nil
            guard !command.isChained else { return .response(StatusWord(0x6884).bytes) }
            return .response(command.ins == 0xA4 ? select(command) : getResponse(command, available: available))
        }
        guard let applet = selected else {
            chain = nil
            return .response(StatusWord.insNotSupported.bytes)
        }
        // A keypad command never joins, or continues, a chain the host began.
        if origin == .keypad { chain = nil }
        switch joinChain(command) {
        case .partAccepted:
            return .response(StatusWord.success.bytes)
        case .failed(let status):
            return .response(status.bytes)
        case .complete(var complete):
            complete.cla = baseClass
            return run(applet, complete, origin: origin)
        }
    }

    /// The command `bytes` completes, as the applet (or SELECT, GET RESPONSE) would see it:
    /// chained parts received so far joined with it, CLA's chaining bit cleared. `nil` while it is
    /// an intermediate part of a chain or does not parse. Changes nothing (a test harness's fault
    /// injection matches on it before ``process(_:)``).
    public func completeCommand(_ bytes: [UInt8]) -> CommandAPDU? {
        guard var command = try? CommandAPDU(parsing: bytes), !command.isChained else { return nil }
        command.cla &= ~0x10
        if let open = chain, open.continues(with: command), command.ins != 0xC0 || command.cla != 0x00,
           command.ins != 0xA4 || command.cla != 0x00 {
            command.data = open.data + command.data
        }
        return command
    }

    /// The command `bytes` is answered without being run (a test harness's fault): a chain it
    /// ends is dropped, as is response data announced with 61xx; nothing else changes.
    public func discardCommand() {
        chain = nil
        pendingResponse = []
    }

    /// A button on the token. Returns the response when this press completes the open command.
    public func press(_ button: Button) -> [UInt8]? {
        guard var open = confirmation else { return nil }
        switch button {
        case .cancel:
            return finish(.denied)
        case .ok where open.page + 1 < open.pages.count:
            open.page += 1
            confirmation = open
            show(open)
            return nil
        case .ok:
            return finish(.approved)
        }
    }

    /// Lets time pass: returns the response when the open command timed out.
    public func poll() -> [UInt8]? {
        guard let open = confirmation, platform.clock.milliseconds >= open.deadline else { return nil }
        return finish(.timedOut)
    }

    /// The host aborted the open command (CCID Abort): it ends without an answer.
    public func abort() {
        if confirmation != nil { _ = finish(.aborted) }
    }

    /// The computer ends the open command while it waits for the holder (its client was
    /// interrupted): the applet completes it as aborted, and unlike ``abort()`` the answer is
    /// returned, so the reader's host gets one at once. The screen says what happened.
    public func cancelByComputer() -> [UInt8]? {
        guard confirmation != nil else { return nil }
        let response = finish(.aborted)
        platform.presence.show(Self.cancelledScreen)
        return response
    }

    /// What the screen shows after ``cancelByComputer()``.
    public static var cancelledScreen: Screen { Screen(lines: ["cancelled by", "the computer"], page: 0, pageCount: 1) }

    // MARK: Internals

    private func run(_ applet: any Applet, _ command: CommandAPDU, origin: CommandOrigin) -> CardOutput {
        do {
            let reply = try applet.process(command, origin: origin)
            if platform.memory.hasLostPower { return .noAnswer }
            switch reply {
            case .data(let data):
                return .response(fit(data, to: command))
            case .confirm(let pages):
                guard !pages.isEmpty else {
                    _ = try? applet.complete(.aborted)
                    return .response(StatusWord.noPreciseDiagnosis.bytes)
                }
                let open = PendingConfirmation(
                    applet: applet, command: command, pages: pages, page: 0,
                    deadline: platform.clock.milliseconds + platform.presence.confirmationTimeout)
                confirmation = open
                show(open)
                return .waiting
            }
        } catch {
            return platform.memory.hasLostPower ? .noAnswer : .response(error.bytes)
        }
    }

    private func show(_ open: PendingConfirmation) {
        platform.presence.show(open.pages[open.page])
        platform.presence.notify(.waiting(page: open.page, of: open.pages.count))
    }

    /// The answer that completes the open command; `nil` when power failed while completing it
    /// (a torn NVM commit: no answer).
    private func finish(_ decision: HolderDecision) -> [UInt8]? {
        guard let open = confirmation else { return StatusWord.noPreciseDiagnosis.bytes }
        confirmation = nil
        platform.presence.clear()
        switch decision {
        case .approved: break
        case .denied: platform.presence.notify(.denied)
        case .timedOut: platform.presence.notify(.timedOut)
        case .aborted: platform.presence.notify(.aborted)
        }
        do {
            let data = try open.applet.complete(decision)
            if platform.memory.hasLostPower { return nil }
            return fit(data, to: open.command)
        } catch {
            return platform.memory.hasLostPower ? nil : error.bytes
        }
    }

    /// Response data plus status: 9000 when it fits Ne, else the first Ne bytes and 61xx.
    private func fit(_ data: [UInt8], to command: CommandAPDU) -> [UInt8] {
        let limit = command.isExtended ? (command.ne ?? 256) : min(command.ne ?? 256, 256)
        guard data.count > limit else { return data + StatusWord.success.bytes }
        pendingResponse = Array(data[limit...])
        return Array(data[..<limit]) + StatusWord.bytesAvailable(pendingResponse.count).bytes
    }

    /// GET RESPONSE `00 C0 00 00 Le`: the next part of a response announced with 61xx.
    private func getResponse(_ command: CommandAPDU, available: [UInt8]) -> [UInt8] {
        guard command.p1 == 0, command.p2 == 0 else { return StatusWord.wrongP1P2.bytes }
        guard command.data.isEmpty else { return StatusWord.wrongLength.bytes }
        guard !available.isEmpty else { return StatusWord.conditionsNotSatisfied.bytes }
        return fit(available, to: command)
    }

    /// SELECT `00 A4 04 P2 Lc AID`: P2 00 answers the FCI, 0C nothing.
    private func select(_ command: CommandAPDU) -> [UInt8] {
        guard command.p1 == 0x04, command.p2 == 0x00 || command.p2 == 0x0C else { return StatusWord.wrongP1P2.bytes }
        guard !command.data.isEmpty else { return StatusWord.wrongLength.bytes }
        guard let applet = applets.first(where: { $0.aid.starts(with: command.data) }) else {
            return StatusWord.fileNotFound.bytes
        }
        do {
            let fci = try applet.select()
            selected = applet
            return command.p2 == 0x0C ? StatusWord.success.bytes : fit(fci, to: command)
        } catch {
            return error.bytes
        }
    }

    private func joinChain(_ command: CommandAPDU) -> ChainStep {
        if command.isChained {
            var part: CommandChain
            if let open = chain, open.continues(with: command) {
                part = open
                part.data += command.data
            } else {
                part = CommandChain(first: command)
            }
            guard part.data.count <= CardOS.maxChainedData else {
                chain = nil
                return .failed(.notEnoughMemory)
            }
            chain = part
            return .partAccepted
        }
        guard let open = chain else { return .complete(command) }
        chain = nil
        guard open.continues(with: command) else { return .complete(command) }
        var complete = command
        complete.data = open.data + command.data
        guard complete.data.count <= CardOS.maxChainedData else { return .failed(.notEnoughMemory) }
        return .complete(complete)
    }
}

/// What the card answers to a command.
public enum CardOutput: Equatable, Sendable {
    /// A complete response APDU: data, SW1, SW2.
    case response([UInt8])
    /// The command is open: the holder is deciding on the token.
    case waiting
    /// Power failed while the command wrote its NVM (a torn commit): the card sends nothing, and
    /// nothing more until it is powered up again. The memory holds the last committed state.
    case noAnswer
}

private enum ChainStep {
    case partAccepted
    case complete(CommandAPDU)
    case failed(StatusWord)
}

/// The parts of a chained command received so far (ISO/IEC 7816-4 §5.4.1).
private struct CommandChain {
    var header: [UInt8]
    var data: [UInt8]

    init(first: CommandAPDU) {
        header = [first.cla & ~0x10, first.ins, first.p1, first.p2]
        data = first.data
    }

    /// A later part continues the chain when CLA (without the chaining bit), INS, P1 and P2 match.
    func continues(with command: CommandAPDU) -> Bool {
        header == [command.cla & ~0x10, command.ins, command.p1, command.p2]
    }
}

private struct PendingConfirmation {
    let applet: any Applet
    let command: CommandAPDU
    let pages: [Screen]
    var page: Int
    let deadline: UInt64
}
