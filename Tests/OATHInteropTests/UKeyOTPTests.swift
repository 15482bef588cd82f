import Foundation
import PCSCTestSupport
import Testing

/// `ukey otp add|list|code|delete|password` (the host library's OATHSession) against the same
/// stack, sharing the accounts with ykman: what one adds, the other lists and calculates.
extension YkmanTests {
    /// `ukey ARGUMENTS`, which must succeed; `input` goes to standard input (read as fd 0).
    @discardableResult
    static func ukey(_ stack: OATHStack, _ arguments: [String], input: String? = nil) throws -> String {
        let output = try stack.ukey(arguments + ["--reader", "UKey OATH"], input: input)
        guard output.status == 0 else { throw StackError("ukey \(arguments.joined(separator: " ")): \(output)") }
        return output.stdout
    }

    @Test func ukeyOTPAddListCodeDelete() async throws {
        try await Self.withStack { stack in
            try Self.ykman(OATHTools.debian, stack, ["oath", "reset", "-f"])
            let secret = "JBSWY3DPEHPK3PXP"
            // The secret comes on standard input (fd 0), never on the command line.
            try Self.ukey(stack, ["otp", "add", "--issuer", "Example", "alice", "--secret-fd", "0"], input: secret + "\n")
            try Self.ukey(stack, ["otp", "add", "-o", "HOTP", "-d", "8", "counter", "--secret-fd", "0"], input: secret + "\n")
            try Self.ukey(stack, ["otp", "add", "-p", "60", "slow", "--secret-fd", "0"], input: secret + "\n")
            #expect(Set(try Self.ukey(stack, ["otp", "list"]).split(separator: "\n").map(String.init)) == ["Example:alice", "counter", "60/slow"])
            // ykman sees the same accounts.
            let listed = try Self.ykman(OATHTools.pypi, stack, ["oath", "accounts", "list"])
            #expect(Set(listed.split(separator: "\n").map(String.init)) == ["Example:alice", "counter", "60/slow"])

            let before = (try Self.oathtool(["--totp", "-b", secret]), try Self.oathtool(["--totp", "-s", "60", "-b", secret]))
            let codes = Self.codes(try Self.ukey(stack, ["otp", "code"]))
            let after = (try Self.oathtool(["--totp", "-b", secret]), try Self.oathtool(["--totp", "-s", "60", "-b", secret]))
            #expect([before.0, after.0].contains(codes["Example:alice"] ?? ""), "\(codes)")
            #expect([before.1, after.1].contains(codes["60/slow"] ?? ""), "\(codes)")
            #expect(codes["counter"] == "Account]", "HOTP shows no code unless asked for alone: \(codes)")
            #expect(Self.codes(try Self.ukey(stack, ["otp", "code", "counter"]))["counter"]
                    == (try Self.oathtool(["--hotp", "-d", "8", "-c", "0", "-b", secret])))

            try Self.ukey(stack, ["otp", "delete", "60/slow"])
            #expect(Set(try Self.ukey(stack, ["otp", "list"]).split(separator: "\n").map(String.init)) == ["Example:alice", "counter"])
            let missing = try stack.ukey(["otp", "delete", "nobody", "--reader", "UKey OATH"])
            #expect(missing.status != 0)
            #expect(missing.combined.contains("no account \"nobody\""), "\(missing)")
        }
    }

    /// `ukey otp password` sets the access key ykman derives from the same password.
    @Test func ukeyOTPPasswordWorksWithYkman() async throws {
        try await Self.withStack { stack in
            try Self.ykman(OATHTools.debian, stack, ["oath", "reset", "-f"])
            try Self.ukey(stack, ["otp", "add", "locked", "--secret-fd", "0"], input: "JBSWY3DPEHPK3PXP\n")
            try Self.ukey(stack, ["otp", "password", "--new-password-fd", "0"], input: "correct horse\n")
            // Without the password, nothing is listed; with a wrong one, VALIDATE refuses.
            let none = try stack.ukey(["otp", "list", "--reader", "UKey OATH"])
            #expect(none.status != 0)
            let wrong = try stack.ukey(["otp", "list", "--reader", "UKey OATH", "--password-fd", "0"], input: "wrong\n")
            #expect(wrong.status != 0)
            #expect(wrong.combined.contains("wrong OATH password"), "\(wrong)")
            #expect(try Self.ukey(stack, ["otp", "list", "--password-fd", "0"], input: "correct horse\n") == "locked\n")
            for tool in OATHTools.both {
                #expect(try Self.ykman(tool, stack, ["oath", "accounts", "list", "-p", "correct horse"]) == "locked\n", "\(tool)")
            }
            try Self.ukey(stack, ["otp", "password", "--clear", "--password-fd", "0"], input: "correct horse\n")
            #expect(try Self.ukey(stack, ["otp", "list"]) == "locked\n")
        }
    }
}
