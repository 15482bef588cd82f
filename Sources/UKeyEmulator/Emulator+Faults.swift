import CardOS
import HostPlatform
import ISO7816
import TokenDevice
import UKeyControl

/// Fault injection (issue 20): the control socket's `fault-add`, `fault-list`, `fault-clear`,
/// the device hook that applies a token's table, and what the emulator itself does for
/// `disconnect` (the USB/IP link closes) and `tear` (power fails in the command's NVM commit).
extension Emulator {
    func addFault(_ fault: ControlFault, to token: EmulatedToken) -> ControlReply {
        if let refusal = token.faults.add(fault, exchange: configuration.exchange, servedToVPCD: token.cardPort != nil) {
            return .failure(refusal)
        }
        installHook(token)
        return .faults(token: token.busid, faults: token.faults.listed)
    }

    func clearFaults(_ token: EmulatedToken) -> ControlReply {
        token.faults.clear()
        token.device.commandHook = nil
        return .faults(token: token.busid, faults: [])
    }

    /// Puts the hook on the device (faults need it; without, none).
    func installHook(_ token: EmulatedToken) {
        guard token.device.commandHook == nil else { return }
        token.device.commandHook = { [unowned self, unowned token] command in faultFires(on: command, token: token) }
    }

    /// The device hook: the fault that fires on `command`, announced as an event.
    private func faultFires(on command: CommandAPDU, token: EmulatedToken) -> CommandFault? {
        guard let fault = token.faults.match(command) else { return nil }
        let id = fault.id ?? 0
        configuration.diagnostics("ukey emulator: \(token.busid) fault \(id) \(fault.action) on INS \([command.ins].hexString)")
        broadcast(ControlEvent(token: token.busid, .fault(id: id, action: fault.action)))
        switch fault.action {
        case "tear":
            token.platform.memory.crashPoint = .partialJournal
            token.tearArmed = true
        case "disconnect":
            reactor.soon { [unowned self] in
                guard let session = token.session else { return }
                configuration.diagnostics("ukey emulator: \(token.busid) USB/IP link closed (fault \(id) disconnect)")
                closeSession(session, reason: nil)
            }
        default:
            break
        }
        return FaultTable.deviceFault(fault)
    }

    /// After every reactor iteration: a token whose armed `tear` made its memory lose power is
    /// powered up again (the memory reopens its last committed image), its USB/IP link closes
    /// as when power fails (the driver's reconnect imports it again) and a vpcd exchange gets no
    /// answer. An armed tear whose command finished without a commit is disarmed.
    func checkTornTokens() {
        for token in tokens where token.tearArmed {
            let memory = token.platform.memory
            if memory.hasLostPower {
                token.tearArmed = false
                do {
                    try memory.powerUp()
                    configuration.diagnostics("ukey emulator: \(token.busid) lost power during an NVM commit (tear); "
                                              + "the last committed state is kept")
                } catch {
                    configuration.diagnostics("ukey emulator: \(token.busid) cannot power up its memory again: \(error)")
                }
                if let session = token.session {
                    closeSession(session, reason: nil)
                } else {
                    token.device.detach()
                    token.cardPort?.lostPower()
                }
            } else if !token.device.isBusy {
                token.tearArmed = false
                memory.crashPoint = nil
            }
        }
    }
}
