import UKeyBank
import Testing
import UKey

/// The bank refuses to issue a challenge for a transfer the card would refuse, with the same
/// rules (BankingProtocol's `TransferFieldRules`, issue 13) and a message naming the field.
@Suite("Transfer.validateForToken: the card's field rules on the bank side")
struct TransferValidationTests {
    static func transfer(account: String = "6222020200112233", name: String = "Li Si", amount: String = "10.00",
                         currency: String = "CNY", reference: String? = "Invoice 42") -> Transfer {
        Transfer(payeeAccount: account, payeeName: name, amount: amount, currency: currency, reference: reference)
    }

    @Test("each refused field is invalidTransfer naming the field and the reason", arguments: [
        (transfer(name: "Li\u{34F}Si"), "payee name: U+034F is not allowed (default-ignorable)"),
        (transfer(name: "Li Si\u{FE0F}"), "payee name: U+FE0F is not allowed (default-ignorable)"),
        (transfer(name: "Li\u{3164}Si"), "payee name: U+3164 is not allowed (default-ignorable)"),
        (transfer(name: "Li\u{A0}Si"), "payee name: U+00A0 is not allowed (space or separator other than U+0020)"),
        (transfer(name: "Li Si "), "payee name: ends with a space"),
        (transfer(reference: "Invoice  42"), "reference: has two spaces in a row"),
        (transfer(reference: " Invoice"), "reference: starts with a space"),
        (transfer(name: "Li\u{378}"), "payee name: U+0378 is not allowed (unassigned in Unicode 15.0)"),
        (transfer(name: "Z" + String(repeating: "\u{338}", count: 20)), "payee name: U+0338 is a second combining mark on one letter"),
        (transfer(name: "Jose\u{301}"), "payee name: not NFC (U+0065 U+0301 compose into one scalar)"),
        (transfer(name: "Li\u{B1}"), "payee name: U+00B1 is not allowed (ambiguous East Asian width)"),
        (transfer(name: "\u{1C89}"), "payee name: U+1C89 is not allowed (unassigned in Unicode 15.0)"),
        (transfer(name: "Li > Si"), "payee name: U+003E is not allowed (the screen's value marker)"),
        (transfer(account: "62220202001122\u{9EA}3"), "payee account: U+09EA is not allowed (only 0–9 and A–Z)"),
        (transfer(account: "DE89\u{5D0}3704"), "payee account: U+05D0 is not allowed (only 0–9 and A–Z)"),
        (transfer(account: "de89"), "payee account: U+0064 is not allowed (only 0–9 and A–Z)"),
        (transfer(amount: "0"), "amount: not (0|[1-9][0-9]{0,14})(.[0-9]{1,3}) above zero"),
        (transfer(currency: "cny"), "currency: not three capitals A–Z"),
    ])
    func refused(transfer: Transfer, message: String) throws {
        let bank = try BankFixture()
        let verifier = try bank.verifier()
        #expect(throws: BankError.invalidTransfer(message)) { try verifier.issueChallenge(for: transfer) }
    }

    @Test("names and references the card accepts are accepted", arguments: Engine.allCases, ["José", "李四 Li Si", "Lǚ Bù", "Li Si Amount: 10.00 CNY"])
    func accepted(engine: Engine, name: String) throws {
        let bank = try BankFixture(engine: engine)
        let verifier = try bank.verifier()
        _ = try verifier.issueChallenge(for: Self.transfer(name: name, reference: name))
    }
}
