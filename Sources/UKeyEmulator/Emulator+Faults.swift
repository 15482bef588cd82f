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
        if configuration.profile == .fast { token.device.commandHook = nil }
        return .faults(token: token.busid, faults: [])
    }

    /// Puts the hook on the device (faults or a timing profile need it; without, none).
    func installHook(_ token: EmulatedToken) {
        guard token.device.commandHook == nil else { return }
        token.device.commandHook = { [unowned self, unowned token] command in faultFires(on: command, token: token) }
    }

    /// The device hook: the fault that fires on `command`, announced as an event; else the
    /// timing profile's delay, if any.
    private func faultFires(on command: CommandAPDU, token: EmulatedToken) -> CommandFault? {
        guard let fault = token.faults.match(command) else {
            guard configuration.profile != .fast else { return nil }
            let milliseconds = configuration.profile.milliseconds(for: command) { keyBits($0, token: token) }
            return milliseconds > 0 ? .delay(milliseconds: milliseconds) : nil
        }
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

    /// The size of the RSA key a private-key command or GENERATE uses: the algorithm in the
    /// command (GENERATE, PIV) or in the key's NVM record (banking keys); `nil` if unknown.
    private func keyBits(_ command: CommandAPDU, token: EmulatedToken) -> Int? {
        func bits(_ algorithm: UInt8?, rsa2048: UInt8) -> Int? { algorithm.map { $0 == rsa2048 ? 2048 : 1024 } }
        switch (command.ins, command.p1) {
        case (0x47, 0x80): return bits(command.data.last, rsa2048: 0x02)   // banking: 80 01 alg
        case (0x47, _): return bits(command.data.last, rsa2048: 0x07)      // PIV: AC 03 80 01 alg
        case (0x87, _): return bits(command.p1, rsa2048: 0x07)
        default: break
        }
        let record: RecordID
        switch (command.ins, command.p1, command.p2) {
        case (0x2A, 0x80, 0x86): record = 0x0112                            // DECIPHER: the decryption key
        case (0xC0, _, _): record = 0x0110                                  // CONFIRM TRANSFER: the transfer key
        default: record = 0x0111                                            // SIGN, INTERNAL AUTHENTICATE
        }
        return bits(token.platform.memory.read(record).flatMap(KeyRecord.init(bytes:))?.algorithm, rsa2048: 0x02)
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
