import CardOS
import HostPlatform
import UKeyControl
#if canImport(Glibc)
import Glibc
#endif

/// The control requests that change a token or the emulator as a whole: `reset` (a power cycle,
/// or with `factory` the token as manufactured) and `set` (the confirmation mode at run time).
/// `stop` is in ``handleControl(_:from:)``.
extension Emulator {
    /// `reset`: the card leaves the slot and comes back, so it loses power: a verified PIN, a
    /// selected applet and a waiting confirmation are gone (the waiting command ends as
    /// aborted), the host sees the card removed and inserted. A card that is out stays out (it
    /// has no power anyway).
    func powerCycle(_ token: EmulatedToken) -> ControlReply {
        if token.device.isCardPresent {
            token.device.removeCard()
            pump(token)
            broadcast(ControlEvent(token: token.busid, .removed))
            token.device.insertCard()
            pump(token)
            broadcast(ControlEvent(token: token.busid, .inserted))
        }
        configuration.diagnostics("ukey emulator: \(token.busid) power cycle")
        return .reset(token: token.busid, serial: token.serialHex)
    }

    /// `reset` with `factory`: the token as manufactured, as if a new one were plugged in at its
    /// bus id. Its NVM image and factory secrets are deleted and ``TokenFactory`` makes it again:
    /// a new random serial, no keys, no certificates, the factory PIN / PUK and PIV secrets of
    /// the factory rules (``FactorySecrets``: the environment's, else new random ones, written to
    /// `factory-secrets`). A bank therefore sees a token it never enrolled — never the old one
    /// with its counters back at zero. A USB/IP client that had imported the token loses it (its
    /// connection closes, as on unplugging); a token served to vpcd is refused.
    func factoryReset(_ token: EmulatedToken) -> ControlReply {
        guard token.cardPort == nil else {
            return .failure("token \(token.busid) is served to vpcd; a factory reset needs a USB/IP token")
        }
        guard let position = tokens.firstIndex(where: { $0 === token }) else { return .failure("no token \(token.busid)") }
        if let session = token.session { closeSession(session, reason: "factory reset of the token") }
        token.device.removeCard()   // a waiting confirmation ends; nothing of the old token answers any more
        let directory = state.path + "/" + token.busid
        for name in [FileNVM.imageName, FileNVM.journalName, FactorySecrets.fileName] {
            if unlink(directory + "/" + name) != 0 && errno != ENOENT {
                return .failure("factory reset of \(token.busid): cannot remove \(directory)/\(name): \(String(cString: strerror(errno)))")
            }
        }
        let fresh: EmulatedToken
        do {
            fresh = try tokenFactory.openToken(token.index)
        } catch {
            return .failure("factory reset of \(token.busid): \(error)")
        }
        tokens[position] = fresh
        serials[position] = (fresh.busid, fresh.serialHex)
        observe(fresh)
        broadcast(ControlEvent(token: fresh.busid, .removed))
        broadcast(ControlEvent(token: fresh.busid, .inserted))
        configuration.diagnostics("ukey emulator: \(fresh.busid) factory reset, serial \(fresh.serialHex) (was \(token.serialHex))")
        return .reset(token: fresh.busid, serial: fresh.serialHex)
    }

    /// `set`: the confirmation mode from now on. `approve` and `deny` also decide what waits now;
    /// `ask` needs the terminal the emulator was started on with `--confirm ask`.
    func setConfirmation(_ name: String?) -> ControlReply {
        guard let name, let mode = ConfirmationMode(rawValue: name) else {
            return .failure(#""confirm" must be ask, approve, deny or external"#)
        }
        if mode == .ask && terminal == nil {
            return .failure("confirm ask needs the emulator's terminal: start it with --confirm ask on a terminal")
        }
        confirmation = mode
        configuration.diagnostics("ukey emulator: confirm \(mode.rawValue)")
        for token in tokens where token.isWaiting { decideAutomatically(busid: token.busid) }
        return .configured(confirm: mode.rawValue)
    }
}
