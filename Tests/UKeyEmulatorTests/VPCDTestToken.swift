import Foundation
import HostPlatform
import UKeyEmulator

/// The token the vpcd tests use: manufactured in a ``MemoryNVM`` with the factory PIN 123456.
/// The PINs are test constants; they reach scripts through the environment, never argv.
enum VPCDTestToken {
    static let serial: [UInt8] = [0x55, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
    static let factoryPIN = "123456"
    static let factoryPUK = "12345678"
    static let newPIN = "20240611"

    /// `3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8` as opensc-tool prints it.
    static let atrText = "3b:8b:80:01:80:f9:a0:00:00:03:08:00:00:10:00:c8"

    static func card(confirmation: InProcessVPCDCard<MemoryNVM>.Confirmation = .approve) throws -> InProcessVPCDCard<MemoryNVM> {
        try InProcessVPCDCard<MemoryNVM>.manufactured(serial: serial, pin: factoryPIN, puk: factoryPUK,
                                                      confirmation: confirmation)
    }

    /// The helper scripts copied into the test bundle.
    static var scripts: URL {
        Bundle.module.url(forResource: "Scripts", withExtension: nil)
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")
    }

    /// Debian's python3, which has pyscard (the python3 on PATH may not).
    static let python = "/usr/bin/python3"
}
