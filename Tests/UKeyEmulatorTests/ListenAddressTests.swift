import Testing
@testable import UKeyEmulator

@Suite("--listen addresses")
struct ListenAddressTests {
    @Test("valid addresses parse", arguments: [
        ("127.0.0.1:3240", ListenAddress.tcp(host: "127.0.0.1", port: 3240)),
        ("127.0.0.1:0", .tcp(host: "127.0.0.1", port: 0)),
        ("localhost:3240", .tcp(host: "localhost", port: 3240)),
        ("[::1]:3240", .tcp(host: "::1", port: 3240)),
        ("0.0.0.0:1", .tcp(host: "0.0.0.0", port: 1)),
        ("unix:/run/ukey.sock", .unix(path: "/run/ukey.sock")),
    ])
    func valid(text: String, expected: ListenAddress) throws {
        #expect(try ListenAddress(parsing: text) == expected)
    }

    @Test("invalid addresses are refused with a reason", arguments: [
        "127.0.0.1", "127.0.0.1:65536", "127.0.0.1:-1", ":3240", "::1:3240", "[::1]3240", "[::1:3240", "unix:",
        "unix:/" + String(repeating: "x", count: 120), "127.0.0.1:port",
    ])
    func invalid(text: String) {
        #expect(throws: EmulatorError.self) { try ListenAddress(parsing: text) }
    }

    @Test("a bare --vpcd gets the default address; one with a value keeps it")
    func optionalVPCDValue() {
        #expect(EmulatorCommandLine.expandingOptionalValues(["--vpcd"]) == ["--vpcd=127.0.0.1:35963"])
        #expect(EmulatorCommandLine.expandingOptionalValues(["--vpcd", "--trace"]) == ["--vpcd=127.0.0.1:35963", "--trace"])
        #expect(EmulatorCommandLine.expandingOptionalValues(["--vpcd", "10.0.0.1:1"]) == ["--vpcd", "10.0.0.1:1"])
    }
}
