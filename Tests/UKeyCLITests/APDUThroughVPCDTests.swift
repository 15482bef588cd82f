import Foundation
import PCSCTestSupport
import Testing

/// `ukey apdu` against a reader served by stock vsmartcard vpcd (not our driver): a private
/// pcscd with a vpcd entry, `ukey emulator run --vpcd` as the card, and `ukey` as a separate
/// process pointed at that pcscd (this test process keeps its PC/SC context on the shared stack).
@Suite("ukey apdu through stock vpcd", .serialized,
       .enabled(if: VPCDProcessFixture.isAvailable, "needs pcscd, vsmartcard-vpcd, opensc-tool and the built ukey"))
struct APDUThroughVPCDTests {
    static let select = "00A4040006F0554B455901"
    static let getData = "00CA010000"

    func ukey(_ arguments: [String], _ fixture: VPCDProcessFixture) throws -> TestProcess.Output {
        try TestProcess.run([try EmulatorProcess.binary().path] + arguments,
                            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                                          "PCSCLITE_CSOCK_NAME": fixture.pcscd.socketPath],
                            timeout: 30)
    }

    @Test("SELECT and GET DATA answer 9000 through vpcd, in text and JSON; an ambiguous --reader is a clear error")
    func selectAndGetData() async throws {
        let fixture = try await PCSCTestStack.blocking { try VPCDProcessFixture() }
        defer { fixture.stop() }
        let text = try await PCSCTestStack.blocking { try self.ukey(["apdu", "--reader", fixture.readerName, Self.select, Self.getData], fixture) }
        #expect(text.status == 0, "every response is 9000: \(text)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 4 && lines[1].hasSuffix(" 9000  normal processing") && lines[3].hasSuffix(" 9000  normal processing"),
                "a command line and a response line with the status word's meaning for each APDU: \(text)")
        #expect(lines.count == 4 && lines[1].contains("8406F0554B455901"), "the FCI names the banking applet: \(text)")
        #expect(lines.count == 4 && lines[3].hasPrefix("< C008"), "the token info starts with the 8-byte serial: \(text)")
        #expect(text.stderr.isEmpty, "nothing on standard error: \(text.stderr)")

        let json = try await PCSCTestStack.blocking {
            try self.ukey(["apdu", "--json", "--reader", fixture.readerName, Self.select, Self.getData], fixture)
        }
        #expect(json.status == 0, "\(json)")
        let exchanges = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(exchanges?.map { $0["sw"] as? String } == ["9000", "9000"], "two exchanges answered 9000: \(json.stdout)")

        // One vpcd entry makes two readers (`… 00 00`, `… 00 01`): `--reader vpcd` is ambiguous.
        let output = try await PCSCTestStack.blocking { try self.ukey(["apdu", "--reader", "vpcd", Self.select], fixture) }
        #expect(output.status == 1 && output.stdout.isEmpty, "\(output)")
        #expect(output.stderr.hasPrefix("ukey: ") && output.stderr.contains("matches 2 readers")
                && output.stderr.contains(fixture.readerName), "one line naming the readers it matched: \(output.stderr)")
    }

    /// vpcd's IFDHControl answers IFD_ERROR_NOT_SUPPORTED for every code, which pcscd reports as
    /// SCARD_E_UNSUPPORTED_FEATURE: that, and only such codes, mean "no PIN pad" (other
    /// SCardControl failures are errors: PCSCFlowTests).
    @Test("a reader without part 10 features (vpcd): token info shows no PIN pad, --on-token says there is none")
    func noPINPadBehindVPCD() async throws {
        let fixture = try await PCSCTestStack.blocking { try VPCDProcessFixture() }
        defer { fixture.stop() }
        let info = try await PCSCTestStack.blocking { try self.ukey(["token", "info", "--reader", fixture.readerName], fixture) }
        #expect(info.status == 0, "\(info)")
        #expect(info.stdout.contains("PIN pad           no"), "\(info)")
        let verify = try await PCSCTestStack.blocking {
            try self.ukey(["token", "pin", "verify", "--on-token", "--reader", fixture.readerName], fixture)
        }
        #expect(verify.status == 1 && verify.stderr.contains("the reader has no PIN pad"), "\(verify)")
    }
}
