import Foundation
import PCSCTestSupport

extension VPCDProcessFixture {
    /// Runs one of this target's pyscard helper scripts against the fixture's reader.
    func script(_ name: String, _ arguments: [String] = [], environment extra: [String: String] = [:]) throws -> TestProcess.Output {
        try TestProcess.run([VPCDTestToken.python, VPCDTestToken.scripts.appendingPathComponent(name).path] + arguments,
                            environment: environment(extra), timeout: 120)
    }
}
