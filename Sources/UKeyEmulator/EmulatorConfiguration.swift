import Foundation
import TokenDevice

/// Everything `ukey emulator run` takes, as one value: build one, hand it to ``Emulator``.
public struct EmulatorConfiguration: Sendable {
    /// USB/IP listeners; empty means ``ListenAddress/default``.
    public var listen: [ListenAddress] = []
    /// How many tokens (bus ids 1-1 … 1-N).
    public var tokens: Int = 1
    /// The state directory; `nil` means `${XDG_STATE_HOME:-~/.local/state}/ukey`.
    public var stateDirectory: String? = nil
    public var confirmation: ConfirmationMode = .external
    /// How long the holder has to decide, in milliseconds.
    public var confirmationTimeout: UInt64 = 120_000
    public var exchange: ExchangeLevel = .extendedAPDU
    /// Tokens manufactured now get the policy `pin-entry keypad-only` (`--pin-entry keypad-only`).
    public var keypadOnly: Bool = false
    /// vpcd addresses (`HOST:PORT`), the i-th serving token i.
    public var vpcd: [String] = []
    /// Starts the link that serves token i through the i-th ``vpcd`` address; `nil` (the
    /// default) starts a ``VPCDLink`` (traced with ``trace``). Tests can put a fake here.
    public var makeCardLink: (@Sendable (_ address: String, _ port: TokenCardPort) throws -> any CardLink)? = nil
    /// Print every USB/IP, CCID and APDU hop (PINs redacted) to ``diagnostics``.
    public var trace: Bool = false
    /// `--pcap FILE`: capture the tokens' USB traffic from the start (usbmon pcap).
    public var pcap: String? = nil
    /// `--pcap-include-secrets`: do not redact PIN-carrying commands in the capture.
    public var pcapIncludeSecrets: Bool = false
    /// `--profile`: how fast the tokens answer (``TimingProfile/fast``: at once).
    public var profile: TimingProfile = .fast
    /// Where `UKEY_FACTORY_PIN`, `UKEY_FACTORY_PUK`, `XDG_STATE_HOME` and `HOME` are read.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Whether randomly generated factory secrets may be shown on ``output`` (only when it is a
    /// terminal; `ukey emulator run` sets it from `isatty(1)`).
    public var showFactorySecrets: Bool = false
    /// Lines for the user: one per listener bound, the factory secrets when allowed.
    public var output: @Sendable (String) -> Void = { print($0) }
    /// Warnings, what the screen showed, and the trace (never secrets).
    public var diagnostics: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public init() {}

    /// Sets ``exchange`` from `--exchange apdu|tpdu|tpdu-t0`.
    public mutating func setExchange(named name: String) throws(EmulatorError) {
        switch name {
        case "apdu": exchange = .extendedAPDU
        case "tpdu": exchange = .tpdu
        case "tpdu-t0": exchange = .tpduT0
        default: throw .badConfiguration("--exchange must be apdu, tpdu or tpdu-t0")
        }
    }

    /// The default vpcd address (Debian's vpcd port).
    public static let defaultVPCDAddress = "127.0.0.1:35963"
}
