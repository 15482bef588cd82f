import Foundation
import PCSCTestSupport
import Testing

/// pcscd finds the driver's entry points by name with dlsym: every IFDH function of
/// ifdhandler.h must stay a defined, exported text symbol of libifd-ukey.so, whatever access
/// the rest of the driver has (its internals are `package`, not exported API).
@Suite("libifd-ukey.so exports the IFDH entry points")
struct ExportedSymbolsTests {
    static let entryPoints = ["IFDHCreateChannelByName", "IFDHCreateChannel", "IFDHCloseChannel", "IFDHGetCapabilities",
                              "IFDHSetCapabilities", "IFDHSetProtocolParameters", "IFDHPowerICC", "IFDHTransmitToICC",
                              "IFDHControl", "IFDHICCPresence"]

    @Test("nm -D lists each IFDH function as T", .enabled(if: EmulatorProcess.driverLibrary != nil))
    func entryPointsAreExported() throws {
        let library = try #require(EmulatorProcess.driverLibrary)
        let nm = Process()
        nm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nm.arguments = ["nm", "-D", "--defined-only", library]
        let output = Pipe()
        nm.standardOutput = output
        try nm.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        nm.waitUntilExit()
        #expect(nm.terminationStatus == 0, "nm -D ran on \(library)")
        // "ADDRESS TYPE NAME" lines; the C names, not the mangled Swift ones.
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3 else { continue }
            types[String(fields[2])] = String(fields[1])
        }
        for name in Self.entryPoints {
            #expect(types[name] == "T", "\(name) is an exported text symbol")
        }
    }
}
