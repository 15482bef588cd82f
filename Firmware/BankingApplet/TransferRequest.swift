import CardOS
import ISO7816

/// The transfer in a CONFIRM TRANSFER command, validated:
///
///     70 { 80 payee account, 81 payee name, 82 amount, 83 currency, [84 reference], 85 bank challenge }
///
/// Tags strictly ascending, each at most once, no other tags (86 and 87 are the card's own).
/// Text is strict UTF-8 without deceptive scalars (``DisplayText``): account 1–34 scalars, name
/// 1–64, reference 0–64. Amount `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?` above zero; currency three
/// capitals A–Z; challenge 8–64 bytes. Anything else is 6A80.
struct TransferRequest {
    /// The fields exactly as received (80…85), in order; the DTBS repeats them.
    let fields: [TLV]
    let account: String
    let payee: String
    let amount: String
    let currency: String
    let reference: String?

    init(parsing data: [UInt8]) throws(StatusWord) {
        guard let body = try? TLV(parsing: data), body.tag == 0x70, let fields = try? body.children() else {
            throw .wrongData
        }
        var previous: UInt32 = 0
        for field in fields {
            guard (0x80...0x85).contains(field.tag.rawValue), field.tag.rawValue > previous else { throw .wrongData }
            previous = field.tag.rawValue
        }
        guard let account = fields.first(0x80).flatMap({ DisplayText.validate($0.value, scalars: 1, 34) }),
              let payee = fields.first(0x81).flatMap({ DisplayText.validate($0.value, scalars: 1, 64) }),
              let amount = fields.first(0x82), TransferRequest.isValidAmount(amount.value),
              let currency = fields.first(0x83), TransferRequest.isValidCurrency(currency.value),
              let challenge = fields.first(0x85), (8...64).contains(challenge.value.count)
        else { throw .wrongData }
        var reference: String? = nil
        if let field = fields.first(0x84) {
            guard let text = DisplayText.validate(field.value, scalars: 0, 64) else { throw .wrongData }
            reference = DisplayText.string(text)
        }
        self.fields = fields
        self.account = DisplayText.string(account)
        self.payee = DisplayText.string(payee)
        self.amount = DisplayText.string(DisplayText.decodeUTF8(amount.value) ?? [])
        self.currency = DisplayText.string(DisplayText.decodeUTF8(currency.value) ?? [])
        self.reference = reference
    }

    /// The data to be signed: the fields, then 86 token serial and 87 signature counter.
    func dataToBeSigned(serial: [UInt8], counter: UInt32) -> TLV {
        let counterBytes: [UInt8] = [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF),
                                     UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)]
        return TLV(tag: 0x70, children: fields + [TLV(tag: 0x86, value: serial), TLV(tag: 0x87, value: counterBytes)])
    }

    /// What the screen shows: account, payee, amount and currency, reference, then "OK?".
    var pages: [Screen] {
        var blocks: [[String]] = [
            ["To account:"] + DisplayLayout.wrap(account),
            ["Payee:"] + DisplayLayout.wrap(payee),
            ["Amount:"] + DisplayLayout.wrap(amount + " " + currency),
        ]
        if let reference { blocks.append(["Reference:"] + DisplayLayout.wrap(reference)) }
        blocks.append(["OK?"])
        return DisplayLayout.pages(blocks)
    }

    /// `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?`, and not zero.
    static func isValidAmount(_ bytes: [UInt8]) -> Bool {
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let dot = bytes.firstIndex(of: 0x2E)
        let whole = bytes[..<(dot ?? bytes.count)]
        guard (1...15).contains(whole.count), whole.allSatisfy(isDigit),
              whole.count == 1 || whole.first != 0x30 else { return false }
        if let dot {
            let fraction = bytes[(dot + 1)...]
            guard (1...3).contains(fraction.count), fraction.allSatisfy(isDigit) else { return false }
        }
        return bytes.contains { (0x31...0x39).contains($0) }
    }

    /// Three capital letters A–Z (ISO 4217 alphabetic code).
    static func isValidCurrency(_ bytes: [UInt8]) -> Bool {
        bytes.count == 3 && bytes.allSatisfy { (0x41...0x5A).contains($0) }
    }
}
