import BankingProtocol
import CardOS
import ISO7816

/// The transfer in a CONFIRM TRANSFER command, validated:
///
///     70 { 80 payee account, 81 payee name, 82 amount, 83 currency, [84 reference], 85 bank challenge }
///
/// Tags strictly ascending, each at most once, no other tags (86 and 87 are the card's own).
/// Each field follows BankingProtocol's ``TransferFieldRules`` (docs/ARCHITECTURE.md, "Transfer
/// fields"), the same code the bank checks with; anything else is 6A80.
struct TransferRequest {
    /// The fields exactly as received (80…85), in order; the DTBS repeats them.
    let fields: [TLV]
    let account: String
    let payee: String
    let amount: String
    let currency: String
    let reference: String?

    init(parsing data: [UInt8]) throws(StatusWord) {
        let fields: [TLV]
        do { fields = try TLV(parsing: data, tag: BankingWire.DTBSTag.dtbs).children() }
        catch { throw .wrongData }
        var previous: UInt32 = 0
        for field in fields {
            guard (BankingWire.DTBSTag.firstField...BankingWire.DTBSTag.lastHostField).contains(field.tag.rawValue), field.tag.rawValue > previous else { throw .wrongData }
            previous = field.tag.rawValue
        }
        guard let account = fields.first(BankingWire.DTBSTag.payeeAccount), let payee = fields.first(BankingWire.DTBSTag.payeeName),
              let amount = fields.first(BankingWire.DTBSTag.amount), let currency = fields.first(BankingWire.DTBSTag.currency),
              let challenge = fields.first(BankingWire.DTBSTag.challenge) else { throw .wrongData }
        do throws(TransferFieldError) {
            self.account = try TransferFieldRules.payeeAccount(account.value)
            self.payee = try TransferFieldRules.payeeName(payee.value)
            self.amount = try TransferFieldRules.amount(amount.value)
            self.currency = try TransferFieldRules.currency(currency.value)
            if let reference = fields.first(BankingWire.DTBSTag.reference) {
                self.reference = try TransferFieldRules.reference(reference.value)
            } else {
                self.reference = nil
            }
            try TransferFieldRules.challenge(challenge.value)
        } catch {
            throw .wrongData
        }
        self.fields = fields
    }

    /// The data to be signed: the fields, then 86 token serial and 87 signature counter.
    func dataToBeSigned(serial: [UInt8], counter: UInt32) -> TLV {
        let counterBytes: [UInt8] = [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF),
                                     UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)]
        return TLV(tag: BankingWire.DTBSTag.dtbs, children: fields + [TLV(tag: BankingWire.DTBSTag.serial, value: serial), TLV(tag: BankingWire.DTBSTag.counter, value: counterBytes)])
    }

    /// What the screen shows: every field the card signs (80–84; not 85–87), each under its
    /// label, then "OK?". Labels never start with ``ValueLines/marker``; every value line does,
    /// and no value contains it, so no value can pass for a label. The account comes in groups of
    /// four; values wrap at 15 display columns.
    var pages: [Screen] {
        var blocks: [[String]] = [
            ["To account:"] + ValueLines.account(account),
            ["Payee:"] + ValueLines.wrap(payee),
            ["Amount:"] + ValueLines.wrap(amount + " " + currency),
        ]
        if let reference { blocks.append(["Reference:"] + ValueLines.wrap(reference)) }
        blocks.append(["OK?"])
        return DisplayLayout.pages(blocks)
    }
}
