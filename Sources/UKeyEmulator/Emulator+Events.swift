import CardOS
import UKeyControl

/// What the tokens' screens and events do: logged to the diagnostics stream (never secrets),
/// sent to control-socket subscribers, drawn on the terminal (`--confirm ask`), and answered at
/// once under `--confirm approve` / `deny`.
extension Emulator {
    /// Connects `token`'s screen to the emulator. The observers run on the reactor thread, inside
    /// the firmware call that showed the page: presses they cause wait for ``Reactor/soon(_:)``.
    func observe(_ token: EmulatedToken) {
        let busid = token.busid
        let presence = token.platform.presence
        presence.onShow = { [unowned self] screen in screenShown(screen, busid: busid) }
        presence.onClear = { [unowned self] in terminal?.cleared(busid: busid) }
        presence.onNotify = { [unowned self] event in tokenEvent(event, busid: busid) }
    }

    private func screenShown(_ screen: Screen, busid: String) {
        let page = "\(screen.page + 1)/\(screen.pageCount)"
        configuration.diagnostics("ukey emulator: \(busid) screen \(page): " + screen.lines.map { "[\($0)]" }.joined(separator: " "))
        terminal?.draw(screen, busid: busid)
        broadcast(ControlEvent(token: busid, .display(lines: screen.lines, page: screen.page + 1, pages: screen.pageCount)))
    }

    private func tokenEvent(_ event: TokenEvent, busid: String) {
        let kind: ControlEvent.Kind
        switch event {
        case .waiting(let page, let pages):
            kind = .waiting(page: page + 1, pages: pages)
            if page == 0 { decideAutomatically(busid: busid) }
        case .signed(let counter): kind = .signed(counter: Int(counter))
        case .denied: kind = .denied
        case .timedOut: kind = .timeout
        case .aborted: kind = .aborted
        case .pinBlocked: kind = .pinBlocked
        case .otp(let account): kind = .otp(account: account)
        case .pinEntry(let digits): kind = .pinEntry(digits: digits)
        }
        var counter = ""
        if case .signed(let value) = kind { counter = " counter \(value)" }
        if case .pinEntry(let digits) = kind { counter = " \(digits) digits" }
        configuration.diagnostics("ukey emulator: \(busid) \(kind.name)" + counter)
        broadcast(ControlEvent(token: busid, kind))
    }

    /// `--confirm approve|deny`: press OK through every page, or Cancel, once the current
    /// firmware call has returned.
    func decideAutomatically(busid: String) {
        let button: Button
        switch confirmation {
        case .approve: button = .ok
        case .deny: button = .cancel
        case .ask, .external: return
        }
        reactor.soon { [unowned self] in
            guard let token = tokens.first(where: { $0.busid == busid }) else { return }
            token.press(button, throughEveryPage: true)
            pump(token)
        }
    }

    /// Sends one event line to every subscriber of the control socket.
    func broadcast(_ event: ControlEvent) {
        for session in controlSessions.values where session.subscribed {
            if !session.send(event) { closeControl(session) }
        }
    }
}
