import Foundation

/// Runs a host tool (`pkg-config`, `udevadm`) found on `PATH` and returns its standard output.
/// Used by ``DriverInstaller`` and ``PrivatePCSCD``; never given a secret.
enum HostCommand {
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
