import Foundation
import ISO7816

/// A ``CardChannel`` that reports every APDU it passes on — `--trace` in the `ukey` CLI.
///
/// Lines come from ``APDUTrace`` (ISO7816), which prints the data of VERIFY, CHANGE and UNBLOCK,
/// and of PIV 9B mutual authentication both ways, as `••••`: a trace never holds a PIN, a PUK
/// or management-key material. Each response line carries the time the card
/// took.
public final class TracingCardChannel: CardChannel, Sendable {
    public let channel: any CardChannel
    private let sink: @Sendable (String) -> Void

    public init(_ channel: any CardChannel, sink: @escaping @Sendable (String) -> Void) {
        self.channel = channel
        self.sink = sink
    }

    public func transmit(_ command: [UInt8]) async throws(TokenError) -> [UInt8] {
        sink("apdu " + APDUTrace.command(command))
        let start = ContinuousClock.now
        do {
            let response = try await channel.transmit(command)
            sink("apdu " + APDUTrace.response(response, to: command) + "  (\(Self.milliseconds(since: start)) ms)")
            return response
        } catch {
            sink("apdu ! \(error)  (\(Self.milliseconds(since: start)) ms)")
            throw error
        }
    }

    public var carriesExtendedAPDUs: Bool { channel.carriesExtendedAPDUs }

    public func beginTransaction() async throws(TokenError) {
        sink("transaction begin")
        do {
            try await channel.beginTransaction()
        } catch {
            sink("transaction end")
            throw error
        }
    }

    public func endTransaction() async {
        await channel.endTransaction()
        sink("transaction end")
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let value = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return String(format: "%.1f", value)
    }
}

extension TracingCardChannel: PINPadChannel {
    /// The inner channel's PIN pad, if it has one.
    public func pinPadFeatures() async throws(TokenError) -> (verify: Bool, modify: Bool) {
        guard let pad = channel as? any PINPadChannel else { return (false, false) }
        return try await pad.pinPadFeatures()
    }

    /// Traces the APDU template sent to the PIN pad (no PIN: the holder types it on the token)
    /// and the response.
    public func pinPad(_ structure: [UInt8], modify: Bool) async throws(TokenError) -> [UInt8] {
        guard let pad = channel as? any PINPadChannel else { throw .noPINPad }
        let feature = modify ? "FEATURE_MODIFY_PIN_DIRECT" : "FEATURE_VERIFY_PIN_DIRECT"
        let template = Array(structure.dropFirst(modify ? 24 : 19))
        sink("pin pad \(feature): " + APDUTrace.command(template) + " (the holder types on the token)")
        let start = ContinuousClock.now
        do {
            let response = try await pad.pinPad(structure, modify: modify)
            sink("pin pad " + APDUTrace.response(response, to: template) + "  (\(Self.milliseconds(since: start)) ms)")
            return response
        } catch {
            sink("pin pad ! \(error)  (\(Self.milliseconds(since: start)) ms)")
            throw error
        }
    }
}
