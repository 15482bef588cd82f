import Foundation
import PCSCTestSupport

/// The PIV interop suites' stack: a ``PrivateTokenStack`` whose token approves transfers without
/// a press (`--confirm approve`: the bank test has the token sign a genuine transfer), handed to
/// tests once opensc-tool sees its card.
typealias PIVStack = PrivateTokenStack

extension PrivateTokenStack {
    static let readerFamily = "UKey PIV"
    /// The token's factory secrets, those of every test token (``PCSCTestStack``): banking PIN
    /// and PUK, and the PIV applet's PIN, PUK and 9B key (yubico-piv-tool's default).
    static let factoryPIN = PCSCTestStack.factoryPIN
    static let factoryPUK = PCSCTestStack.factoryPUK
    static let pivPIN = PCSCTestStack.factoryPIVPIN
    static let pivPUK = PCSCTestStack.factoryPIVPUK
    static let managementKey = PCSCTestStack.factoryManagementKey

    static func shared() async throws -> PIVStack {
        try await PrivateTokenStack.shared("piv", readerFamily: readerFamily, confirm: "approve") { try $0.waitForCard() }
    }

    /// Waits until opensc-tool sees a card with an ATR in the reader.
    private func waitForCard(timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output?
        while Date() < deadline {
            let output = try run([PIVTools.openscTool, "-r", reader, "-a"], timeout: 30)
            if output.status == 0 && output.stdout.lowercased().contains("3b:") { return }
            last = output
            usleep(100_000)
        }
        throw StackError("no card in \(reader) after \(timeout) s; last opensc-tool -a: \(last.map { "\($0)" } ?? "-")"
                         + "\nemulator: \(emulator.output.all + emulator.errors.all)\npcscd log:\n\(pcscd.log.suffix(3000))")
    }
}
