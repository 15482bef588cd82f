import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import TokenDevice
#if canImport(Glibc)
import Glibc
#endif

/// Opens the tokens of a state directory: `DIR/1-k` for k = 1…N, each with its ``FileNVM``.
/// A directory without a manufactured token gets one: a random 8-byte serial, the factory PIN
/// and PUK of ``FactorySecrets`` and the PIV secrets of ``PIVFactorySecrets``, shown on the
/// terminal only when they were generated and the configuration allows it. A token made before
/// the PIV applet existed gets its PIV secrets at its next start.
struct TokenFactory {
    let configuration: EmulatorConfiguration
    let state: StateDirectory
    let clock: SystemClock
    /// One engine for all tokens (its key cache is locked).
    let crypto = OpenSSLCryptoEngine()

    func openTokens() throws(EmulatorError) -> [EmulatedToken] {
        var tokens: [EmulatedToken] = []
        tokens.reserveCapacity(configuration.tokens)
        for index in 1...configuration.tokens {
            tokens.append(try openToken(index))
        }
        return tokens
    }

    func openToken(_ index: Int) throws(EmulatorError) -> EmulatedToken {
        let busid = "1-\(index)"
        let directory = try state.tokenDirectory(busid)
        let memory: FileNVM
        do {
            memory = try FileNVM(directory: directory)
        } catch {
            throw .tokenState(busid: busid, reason: "\(directory)/\(FileNVM.imageName): \(error)")
        }
        typealias Firmware = TokenFirmware<EmulatedToken.TokenPlatform>
        if !Firmware.isManufactured(memory) {
            try manufacture(memory, busid: busid, directory: directory)
        } else if Firmware.isOutdated(memory) {
            throw .tokenState(busid: busid, reason: "it was made by UKey firmware 1.x, whose one banking key also answered "
                              + "SIGN and DECIPHER; such a token cannot be upgraded: re-personalize it (remove \(directory); "
                              + "the next start manufactures a new token there)")
        } else if Firmware.needsPIV(memory) {
            try installPIV(memory, busid: busid, directory: directory)
        }
        guard let serial = memory.read(CardRecords.serial), serial.count == 8 else {
            throw .tokenState(busid: busid, reason: "no serial after manufacturing")
        }
        let presence = HostPresence(confirmationTimeout: configuration.confirmationTimeout, historyLimit: 64)
        let platform = EmulatedToken.TokenPlatform(memory: memory, crypto: crypto, presence: presence, clock: clock)
        let token = EmulatedToken(index: index, serial: serial, platform: platform, exchange: configuration.exchange)
        // The token's real-time clock (battery-backed on a chip) from the host's, for OATH codes on its screen.
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        token.device.firmware.oath.setRealTime(unixMilliseconds: UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000)
        return token
    }

    private func manufacture(_ memory: FileNVM, busid: String, directory: String) throws(EmulatorError) {
        let random: (Int) throws -> [UInt8] = { count in try crypto.randomBytes(count) }
        var secrets = try FactorySecrets.obtain(directory: directory, environment: configuration.environment, random: random)
        defer { secrets.wipe() }
        var piv = try PIVFactorySecrets.obtain(directory: directory, environment: configuration.environment, random: random)
        defer { piv.credentials.wipe() }
        let serial: [UInt8]
        do {
            serial = try crypto.randomBytes(8)
            try TokenFirmware<EmulatedToken.TokenPlatform>.manufacture(memory, serial: serial, pin: secrets.pin, puk: secrets.puk,
                                                                       piv: piv.credentials, keypadOnly: configuration.keypadOnly)
        } catch {
            throw .tokenState(busid: busid, reason: "manufacturing failed: \(error)")
        }
        configuration.diagnostics("ukey emulator: token \(busid) manufactured, serial \(serial.hexString)")
        guard secrets.generated || !piv.generatedNames.isEmpty else { return }
        if configuration.showFactorySecrets {
            var parts: [String] = []
            if configuration.environment[FactorySecrets.pinVariable] == nil {
                parts.append("factory PIN " + String(decoding: secrets.pin, as: UTF8.self))
            }
            if configuration.environment[FactorySecrets.pukVariable] == nil {
                parts.append("PUK " + String(decoding: secrets.puk, as: UTF8.self))
            }
            parts += piv.generatedDescription
            configuration.output("ukey emulator: token \(busid) \(parts.joined(separator: ", ")) "
                                 + "(kept in \(directory)/\(FactorySecrets.fileName))")
        } else {
            configuration.output("ukey emulator: token \(busid) factory secrets are in \(directory)/\(FactorySecrets.fileName)")
        }
    }

    /// Gives a token made before the PIV applet existed its PIV secrets.
    private func installPIV(_ memory: FileNVM, busid: String, directory: String) throws(EmulatorError) {
        let random: (Int) throws -> [UInt8] = { count in try crypto.randomBytes(count) }
        var piv = try PIVFactorySecrets.obtain(directory: directory, environment: configuration.environment, random: random)
        defer { piv.credentials.wipe() }
        do {
            try TokenFirmware<EmulatedToken.TokenPlatform>.installPIV(memory, credentials: piv.credentials)
        } catch {
            throw .tokenState(busid: busid, reason: "installing the PIV applet's secrets failed: \(error)")
        }
        configuration.diagnostics("ukey emulator: token \(busid) given the PIV applet's secrets")
        guard !piv.generatedNames.isEmpty else { return }
        if configuration.showFactorySecrets {
            configuration.output("ukey emulator: token \(busid) \(piv.generatedDescription.joined(separator: ", ")) "
                                 + "(kept in \(directory)/\(FactorySecrets.fileName))")
        } else {
            configuration.output("ukey emulator: token \(busid) PIV factory secrets are in \(directory)/\(FactorySecrets.fileName)")
        }
    }
}
