import UKeyControl

/// USB captures (issue 20): `--pcap FILE` and the control socket's `capture-start` / `capture-stop`.
extension Emulator {
    /// Starts capturing every token's USB traffic into `path` (replacing a running capture);
    /// returns why it could not.
    func startCapture(path: String, includeSecrets: Bool) -> String? {
        _ = stopCapture()
        let capture: USBCapture
        do {
            capture = try USBCapture(path: path, includeSecrets: includeSecrets)
        } catch {
            return "cannot write the capture \(path): \(error)"
        }
        if includeSecrets {
            configuration.diagnostics("ukey emulator: warning: the capture \(path) includes PINs, PUKs and PIV management-key "
                                      + "steps unredacted (--pcap-include-secrets); keep it as secret as they are")
        }
        for token in tokens {
            capture.enumerate(devnum: token.devnum, device: token.device.deviceDescriptor,
                              configuration: token.device.configurationDescriptor)
            token.capture = capture
        }
        configuration.diagnostics("ukey emulator: capturing USB traffic to \(path)")
        return nil
    }

    /// Stops the running capture; returns its file, if there was one.
    func stopCapture() -> String? {
        guard let capture = tokens.first?.capture else { return nil }
        for token in tokens { token.capture = nil }
        capture.close()
        return capture.path
    }

    func handleCapture(start file: String?, includeSecrets: Bool) -> ControlReply {
        guard let file else {
            return .capture(file: stopCapture(), active: false)
        }
        guard file.hasPrefix("/") else { return .failure("capture-start needs an absolute \"file\"") }
        if let refusal = startCapture(path: file, includeSecrets: includeSecrets) { return .failure(refusal) }
        return .capture(file: file, active: true)
    }
}
