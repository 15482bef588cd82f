import BankTestSupport
import PCSCTestSupport
import UKeyBank
import Foundation
import Testing
import UKey

/// `ukey transfer verify` processes killed with SIGKILL at random points of a verification (the
/// delay spread over one whole run: start-up, checks, the transaction, the commit): whatever was
/// committed stays whole, nothing is committed twice.
@Suite("BankStore under `ukey transfer verify` processes: SIGKILL during verification, the state.json import (SQLite)")
struct BankCrashTests {
    @Test("200 `ukey transfer verify` processes killed mid-run: every challenge accepted exactly once, the holder's total exact")
    func killedVerifiers() async throws {
        try await UTCDayEnd.waitForRoom()  // the children count the holder's total on the real clock's day
        let bank = try BankFixture()
        let verifier = try bank.verifier()
        let ukey = try EmulatorProcess.binary().path
        let holder = "crash"
        let rounds = 200
        // One unkilled run first: how long a whole verification process takes.
        let file = bank.path("signed.json")
        func prepare(_ index: Int) throws -> SignedTransfer {
            let serial: [UInt8] = [0x55, 0x4B, 0x43, 0x00, 0x00, 0x00, UInt8(index >> 8), UInt8(index & 0xFF)]
            let issued = try verifier.issueChallenge(for: BankFixtures.transfer, tokenSerial: serial, accountHolder: holder)
            let signed = try SoftwareTransferSigner(serial: serial).sign(issued, counter: 1)
            try JSONEncoder().encode(signed).write(to: URL(fileURLWithPath: file))
            return signed
        }
        let start = Date()
        _ = try prepare(rounds)
        #expect(try Self.run(ukey, ["transfer", "verify", "--bank", bank.url.path, file], killAfter: nil) == 0)
        let whole = max(Date().timeIntervalSince(start), 0.01)

        var killed = 0, committedByChild = 0
        for index in 0..<rounds {
            let signed = try prepare(index)
            let status = try Self.run(ukey, ["transfer", "verify", "--bank", bank.url.path, file], killAfter: Double.random(in: 0..<whole))
            if status == nil { killed += 1 }
            // Then the bank verifies the same transfer itself: accepted if the killed process
            // committed nothing, challengeReused if it committed — never both, never neither.
            let verdict = try verifier.verify(signed)
            if verdict == .rejected(.challengeReused) {
                committedByChild += 1
            } else {
                #expect(verdict.isAccepted, "round \(index): \(verdict)")
            }
        }
        #expect(killed > 0, "some processes were killed before they finished")
        #expect(committedByChild > 0 && committedByChild < rounds, "kills before and after the commit: \(killed) killed, \(committedByChild) committed")
        // The holder's total counts every one of the rounds + 1 acceptances once.
        let last = try prepare(rounds + 1)
        let verdict = try verifier.verify(last)
        guard case .accepted(let accepted) = verdict else { Issue.record("final transfer: \(verdict)"); return }
        #expect(accepted.acceptedToday == DecimalAmount(thousandths: Int64(rounds + 2) * 100_000),
                "\(killed) killed, \(committedByChild) committed by the killed process")
    }

    @Test("`ukey transfer verify` on a directory with an old state.json imports it once: the challenge it issued verifies, the file is renamed")
    func cliImportsState() async throws {
        let issuer = try BankFixture()
        let issued = try issuer.verifier().issueChallenge(for: BankFixtures.transfer)
        let json = try JSONEncoder().encode(issued)
        let record = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let state: [String: Any] = ["version": 2, "challengeSequence": 1, "tokens": [:], "dailyTotals": [:],
                                    "challenges": [issued.challenge.hexString: ["sequence": 1, "expiresAt": record["expiresAt"]!, "issued": record]]]
        let bank = try BankFixture(clock: issuer.clock)
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: bank.path(BankDirectory.stateFileName)))
        let file = bank.path("signed.json")
        try JSONEncoder().encode(try SoftwareTransferSigner().sign(issued, counter: 1)).write(to: URL(fileURLWithPath: file))
        let ukey = try EmulatorProcess.binary().path
        #expect(try Self.run(ukey, ["transfer", "verify", "--bank", bank.url.path, file], killAfter: nil) == 0, "accepted: the imported challenge")
        #expect(!FileManager.default.fileExists(atPath: bank.path(BankDirectory.stateFileName)))
        #expect(FileManager.default.fileExists(atPath: bank.path(BankDirectory.importedStateFileName)))
        #expect(try Self.run(ukey, ["transfer", "verify", "--bank", bank.url.path, file], killAfter: nil) == 4, "then used up")
    }

    /// Runs `ukey` (output discarded); SIGKILLs it after `killAfter` seconds. Its exit status, or
    /// `nil` when the signal ended it.
    static func run(_ executable: String, _ arguments: [String], killAfter: Double?) throws -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { throw BankError.file(path: executable, errno: errno) }
        if let killAfter {
            usleep(UInt32(killAfter * 1_000_000))
            kill(pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : nil
    }
}
