import Foundation
import PCSCTestSupport

/// The OATH interop suite's stack: a ``PrivateTokenStack`` whose token waits for presses from
/// `ukey emulator press` (`--confirm external`). ykman `--reader UKey` must see exactly one
/// reader, so it never sees the shared ``PCSCTestStack``.
typealias OATHStack = PrivateTokenStack

extension PrivateTokenStack {
    static func shared() async throws -> OATHStack {
        try await PrivateTokenStack.shared("oath", readerFamily: "UKey OATH", confirm: "external")
    }

    /// `ukey emulator press ok --token 1-1`, repeated until the token waits and takes it.
    func pressOK(timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: TestProcess.Output? = nil
        while Date() < deadline {
            let output = try ukey(["emulator", "press", "ok", "--token", "1-1", "--state", directory + "/state"], timeout: 30)
            if output.status == 0 { return }
            last = output
            usleep(100_000)
        }
        throw StackError("the token never waited for OK: \(last.map { "\($0)" } ?? "-")")
    }
}
