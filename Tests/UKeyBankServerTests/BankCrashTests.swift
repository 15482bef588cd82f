import BankTestSupport
import Foundation
import Testing
import UKey
import UKeyBank
import UKeyBankServer
#if canImport(Glibc)
import Glibc
#endif

/// `ukey-bank verify --database URL` on PostgreSQL, SIGKILLed at a random moment of its run, again
/// and again: each transfer is then sent again in process. Whatever the moment, the challenge is
/// accepted exactly once over both tries (the retry is `challengeReused` exactly when the killed
/// run had committed) and the token's counter and daily total in the store are exactly one
/// transfer's: no double acceptance, no lost total.
@Suite(.serialized) struct BankCrashTests {
    /// The issue's 200 kills.
    static let kills = 200

    @Test func sigkillMidVerificationOnPostgres() throws {
        UTCDayEnd.waitForRoom()  // the servers count each token's total on the real clock's day
        let bank = try TemporaryBank()
        let database = try #require(try Engine.postgres.database())
        let verifier = try BankService.makeVerifier(directory: bank.url, database: database)
        let binary = try BankServerProcess.binary()
        let file = bank.url.appendingPathComponent("signed.json")

        func start() throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["verify", "--bank", bank.url.path, "--database", database, "--json", file.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }
        func signed(_ n: Int) throws -> SignedTransfer {
            let token = try SoftwareToken(serial: ServerFixtures.serial(5000 + n))
            let transfer = try token.sign(try verifier.issueChallenge(for: ServerFixtures.transfer, tokenSerial: token.serial))
            try Data(try jsonText(transfer).utf8).write(to: file)
            return transfer
        }

        // One uninterrupted run: how long it takes. The kills then land in the later half of a run
        // (where it verifies), the estimate of its length following what happens: shorter after a
        // run that finished before the kill, a little longer after one that was killed.
        let first = try signed(0)
        let began = Date()
        let calibration = try start()
        calibration.waitUntilExit()
        var duration = Date().timeIntervalSince(began)
        let measured = duration
        #expect(calibration.terminationReason == .exit && calibration.terminationStatus == 0)
        #expect(try verifier.verify(first).rejection == .challengeReused)

        var killedBeforeCommit = 0, killedAfterCommit = 0, finished = 0
        var wrong: [String] = []
        let hundred = DecimalAmount("100.00")!
        for n in 1...Self.kills {
            let transfer = try signed(n)
            let process = try start()
            usleep(UInt32(duration * Double.random(in: 0.5...1.0) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let killed = process.terminationReason == .uncaughtSignal
            duration *= killed ? 1.02 : 0.9
            let again = try verifier.verify(transfer)
            switch (killed, again) {
            case (true, .accepted): killedBeforeCommit += 1
            case (true, .rejected(.challengeReused)): killedAfterCommit += 1
            case (false, .rejected(.challengeReused)) where process.terminationStatus == 0: finished += 1
            default: wrong.append("\(n): killed \(killed), status \(process.terminationStatus), retry \(again)")
            }
            #expect(try verifier.verify(transfer).rejection == .challengeReused)
            let status = try verifier.tokenStatus(serial: transfer.tokenSerial)
            if status?.lastCounter != 1 || status?.acceptedToday != ["CNY": hundred] || status?.overallToday != hundred {
                wrong.append("\(n): status \(String(describing: status))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(killedBeforeCommit + killedAfterCommit + finished == Self.kills)
        // Most kills hit a running verifier (not one that had already exited).
        #expect(killedBeforeCommit + killedAfterCommit > Self.kills / 2,
                "killed before commit \(killedBeforeCommit), after \(killedAfterCommit), finished \(finished)")
        print("BankCrashTests: one run \(Int(measured * 1000)) ms, at the end \(Int(duration * 1000)) ms; \(Self.kills) kills: \(killedBeforeCommit) before the commit, "
              + "\(killedAfterCommit) after it, \(finished) runs had finished")
    }
}
