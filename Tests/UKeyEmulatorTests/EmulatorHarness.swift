import Foundation
import PCSCTestSupport
import UKeyControl
import UKeyEmulator

/// An emulator running in this process on its own thread, on private sockets (TCP port 0 and a
/// unix socket) and a temporary state directory. ``stop()`` (also on failure, through
/// ``withEmulator(_:_:)``) shuts it down and removes the directory.
final class EmulatorHarness: @unchecked Sendable {
    static let factoryPIN = "123456"
    static let factoryPUK = "87654321"
    /// The PIV secrets from the environment: the emulator then writes no factory-secrets file.
    static let pivEnvironment = ["UKEY_FACTORY_PIV_PIN": "135790", "UKEY_FACTORY_PIV_PUK": "24680246",
                                 "UKEY_FACTORY_MGMKEY": "0F0E0D0C0B0A09080706050403020100F0E0D0C0B0A09080"]

    let directory: TemporaryDirectory
    let emulator: Emulator
    let output = CollectedLines()
    let diagnostics = CollectedLines()

    /// Starts an emulator; `adjust` changes the configuration first. The state lives in
    /// `directory/state` (a given `directory` survives ``stop()`` when `keepDirectory` is set).
    init(directory: TemporaryDirectory? = nil, _ adjust: (inout EmulatorConfiguration) -> Void = { _ in }) throws {
        let ownsDirectory = directory == nil
        let directory = try directory ?? TemporaryDirectory()
        self.directory = directory
        var configuration = EmulatorConfiguration()
        configuration.listen = [.tcp(host: "127.0.0.1", port: 0), .unix(path: directory.file("usbip.sock"))]
        configuration.stateDirectory = directory.file("state")
        configuration.confirmation = .approve
        configuration.environment = ["UKEY_FACTORY_PIN": Self.factoryPIN, "UKEY_FACTORY_PUK": Self.factoryPUK,
                                     "HOME": directory.path].merging(Self.pivEnvironment) { $1 }
        let output = self.output
        let diagnostics = self.diagnostics
        configuration.output = { output.append($0) }
        configuration.diagnostics = { diagnostics.append($0) }
        adjust(&configuration)
        do {
            emulator = try Emulator(configuration: configuration)
        } catch {
            if ownsDirectory { directory.remove() }
            throw error
        }
        emulator.start()
    }

    /// The TCP listener (`127.0.0.1:PORT`).
    var tcpAddress: String { emulator.listenerAddresses.first { !$0.hasPrefix("unix:") }! }
    /// The unix listener (`unix:PATH`).
    var unixAddress: String? { emulator.listenerAddresses.first { $0.hasPrefix("unix:") } }

    /// A new USB/IP client on the TCP listener.
    func client() throws -> USBIPTestClient { try USBIPTestClient(tcpAddress) }

    /// A client with `busid` imported.
    func importedClient(_ busid: String = "1-1") throws -> USBIPTestClient {
        let client = try client()
        let reply = try client.importDevice(busid)
        guard reply.status == .ok else { throw TestClientError("import of \(busid) refused: \(reply.status.rawValue)") }
        return client
    }

    /// A control-socket client.
    func control() throws -> ControlClient { try ControlClient(socketPath: emulator.controlSocketPath) }

    /// The emulator's status, through the control socket.
    func status() throws -> ControlStatus {
        let reply = try control().request(.status)
        guard case .status(let status) = reply else { throw TestClientError("status refused: \(reply)") }
        return status
    }

    /// A control-socket client subscribed to token events.
    func events() throws -> ControlClient {
        let client = try control()
        guard try client.request(.events) == .subscribed else { throw TestClientError("events refused") }
        return client
    }

    /// Stops the emulator (the directory stays).
    func stopEmulator() { emulator.shutdown() }

    /// Stops the emulator and removes the directory.
    func stop() {
        emulator.shutdown()
        directory.remove()
    }
}

/// Runs `body` with a started in-process emulator and always stops it.
func withEmulator<T>(_ adjust: (inout EmulatorConfiguration) -> Void = { _ in },
                     _ body: (EmulatorHarness) async throws -> T) async throws -> T {
    let harness = try EmulatorHarness(adjust)
    do {
        let result = try await body(harness)
        harness.stop()
        return result
    } catch {
        harness.stop()
        throw error
    }
}
