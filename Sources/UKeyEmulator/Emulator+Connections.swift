import CardOS
import POSIX
import TokenDevice
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// Accepting, reading, flushing and closing the USB/IP and control connections.
extension Emulator {
    /// The most connections (USB/IP and control together); more are accepted and closed at once.
    static let maxConnections = 1_024

    func acceptUSBIP(_ listener: Int32) {
        while let fd = SocketDescriptor(rawValue: listener).acceptNonBlocking()?.rawValue {
            guard sessions.count + controlSessions.count < Emulator.maxConnections else {
                close(fd)
                continue
            }
            SocketDescriptor(rawValue: fd).setNoDelay()
            let session = USBIPSession(connection: StreamConnection(fd: fd, peer: "usbip"), tokens: { [unowned self] in tokens }, tracer: tracer)
            sessions[fd] = session
            reactor.register(fd, events: Int16(POLLIN)) { [unowned self] revents in
                usbipReady(session, revents: revents)
            }
        }
    }

    private func usbipReady(_ session: USBIPSession, revents: Int16) {
        if revents & Int16(POLLOUT) != 0 && !session.connection.flush() {
            return closeSession(session, reason: "write failed")
        }
        guard revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
        guard let bytes = session.connection.readAvailable(using: &readScratch) else {
            return closeSession(session, reason: nil)
        }
        guard !bytes.isEmpty else { return }
        do {
            try session.received(bytes)
        } catch {
            closeSession(session, reason: error.reason)
        }
    }

    /// Closes a USB/IP connection; its device becomes free. `reason`: a protocol violation to log.
    func closeSession(_ session: USBIPSession, reason: String?) {
        let fd = session.connection.fd
        guard sessions[fd] === session else { return }
        if let reason {
            configuration.diagnostics("ukey emulator: usbip client \(session.token?.busid ?? "") closed: \(reason)")
        }
        sessions[fd] = nil
        reactor.unregister(fd)
        session.detach()
        session.connection.close()
    }

    func acceptControl() {
        while let fd = SocketDescriptor(rawValue: controlListener).acceptNonBlocking()?.rawValue {
            guard sessions.count + controlSessions.count < Emulator.maxConnections else {
                close(fd)
                continue
            }
            let session = ControlSession(connection: StreamConnection(fd: fd, peer: "control"))
            // Only our own user may press buttons (the socket is 0600 too; this also holds for root).
            guard let uid = SocketDescriptor(rawValue: fd).peerUID(), uid == geteuid() else {
                session.send(ControlReply.failure("permission denied: the control socket serves its owner only"))
                _ = session.connection.flush()
                session.connection.close()
                continue
            }
            controlSessions[fd] = session
            reactor.register(fd, events: Int16(POLLIN)) { [unowned self] revents in
                controlReady(session, revents: revents)
            }
        }
    }

    private func controlReady(_ session: ControlSession, revents: Int16) {
        if revents & Int16(POLLOUT) != 0 && !session.connection.flush() { return closeControl(session) }
        guard revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
        guard let bytes = session.connection.readAvailable(using: &readScratch) else { return closeControl(session) }
        guard let lines = session.lines(from: bytes) else {
            session.send(ControlReply.failure(ControlRequestError.lineTooLong.description))
            return closeControl(session, flushFirst: true)
        }
        for line in lines where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            session.send(handleControl(line, from: session))
        }
    }

    func closeControl(_ session: ControlSession, flushFirst: Bool = false) {
        let fd = session.connection.fd
        guard controlSessions[fd] === session else { return }
        if flushFirst { _ = session.connection.flush() }
        controlSessions[fd] = nil
        reactor.unregister(fd)
        session.connection.close()
    }

    /// Writes what every connection has queued (once per reactor iteration) and watches
    /// POLLOUT where the socket was full.
    func flushAll() {
        for session in Array(sessions.values) {
            let connection = session.connection
            if session.overflowed { closeSession(session, reason: "the client does not read its replies"); continue }
            if connection.pendingOutputCount > 0 && !connection.flush() { closeSession(session, reason: nil); continue }
            if connection.pendingOutputCount == 0 && session.closesAfterFlush { closeSession(session, reason: nil); continue }
            reactor.update(connection.fd, events: Int16(connection.pendingOutputCount > 0 ? POLLIN | POLLOUT : POLLIN))
        }
        for session in Array(controlSessions.values) {
            let connection = session.connection
            if connection.pendingOutputCount > 0 && !connection.flush() { closeControl(session); continue }
            reactor.update(connection.fd, events: Int16(connection.pendingOutputCount > 0 ? POLLIN | POLLOUT : POLLIN))
        }
    }

    /// `--confirm ask`: keys typed on the terminal press the keys of the waiting token: every
    /// key while it waits for a PIN (the holder types on the drawn token), else the first OK or
    /// Cancel of the burst (a debounced button).
    func keysTyped() {
        guard let terminal else { return }
        guard let keys = terminal.readKeys() else {
            // End of input: stop watching the terminal (confirmations wait for their timeout).
            reactor.unregister(terminal.descriptor)
            return
        }
        guard let token = tokens.first(where: \.isWaiting) else { return }
        if token.device.isWaitingForPIN {
            for key in keys where token.device.isWaitingForPIN { token.device.press(key: key) }
        } else if let button = keys.lazy.compactMap({ key -> Button? in
            switch key {
            case .ok: return .ok
            case .cancel: return .cancel
            case .digit, .clear: return nil
            }
        }).first {
            token.press(button, throughEveryPage: false)
        }
        pump(token)
    }
}
