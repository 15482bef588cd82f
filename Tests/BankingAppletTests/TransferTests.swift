@testable import BankingApplet
import BankingProtocol
import CardOS
import ISO7816
import Testing

@Suite("Banking applet: CONFIRM TRANSFER")
struct TransferTests {
    @Test("OK on the last page signs the DTBS: the fields, 86 serial, 87 counter")
    func approve() throws {
        let token = TokenHarness()
        let key = try TestRSA(publicKeyObject: token.personalize(.transfer))
        let body = TransferBody()
        #expect(token.confirm(body.bytes) == nil, "the command waits for the holder")
        let response = token.approve()
        #expect(response.statusWord == .success)
        let parts = try TLV(parsing: response.data).children()
        let dtbs = try #require(parts.first(0x70))
        let signature = try #require(parts.first(0x9E))
        let fields = try dtbs.children()
        #expect(fields.map(\.tag.rawValue) == [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87])
        #expect(Array(fields.prefix(6).map(\.value)) == body.fields.map(\.1))
        #expect(fields[6].value == TokenHarness.serial)
        #expect(fields[7].value == [0, 0, 0, 1])
        #expect(key.verify(signature.value, data: dtbs.bytes))
        #expect(token.platform.presence.events.contains(.signed(counter: 1)))
    }

    @Test("Cancel is 6985, the timeout 6401; neither advances the counter")
    func denyAndTimeout() {
        let token = TokenHarness()
        token.personalize(.transfer)
        #expect(token.confirm(TransferBody().bytes) == nil)
        #expect(token.card.press(.cancel) == StatusWord.conditionsNotSatisfied.bytes)
        #expect(token.confirm(TransferBody().bytes) == nil)
        token.platform.clock.advance(by: token.platform.presence.confirmationTimeout)
        #expect(token.card.poll() == StatusWord.timeout.bytes)
        #expect(token.transferCounter == 0 && token.authenticationCounter == 0)
    }

    @Test("the screen shows account, payee, amount, reference, then OK?")
    func screen() {
        let token = TokenHarness()
        token.personalize(.transfer)
        let body = TransferBody().replacing(0x81, text: "Zhang San Trading Company Ltd.")
        #expect(token.confirm(body.bytes) == nil)
        _ = token.approve()
        let pages = token.platform.presence.shownScreens.map(\.lines)
        #expect(pages == [
            ["To account:", ">DE89 3704 0044", ">0532 0130 00"],
            ["Payee:", ">Zhang San Tradi", ">ng Company Ltd."],
            ["Amount:", ">1234.56 CNY", "Reference:", ">Invoice 42"],
            ["OK?"],
        ])
    }

    @Test("accepted edge values", arguments: [
        TransferBody().replacing(0x80, text: String(repeating: "9", count: 34)),
        TransferBody().replacing(0x81, text: String(repeating: "名", count: 64)),
        TransferBody().replacing(0x84, text: ""),
        TransferBody().replacing(0x84, text: String(repeating: "é", count: 64)),
        TransferBody().replacing(0x81, text: "José Lǚ"),
        TransferBody().replacing(0x81, text: "张三"),
        TransferBody().replacing(0x80, text: "6222020200112233"),
        TransferBody().replacing(0x82, text: "0.001"),
        TransferBody().replacing(0x82, text: "999999999999999.999"),
        TransferBody().replacing(0x82, text: "7"),
        TransferBody().replacing(0x85, with: [UInt8](repeating: 1, count: 8)),
        TransferBody().replacing(0x85, with: [UInt8](repeating: 1, count: 64)),
        TransferBody(fields: TransferBody().fields.filter { $0.0 != 0x84 }),   // no reference
    ])
    func accepted(body: TransferBody) {
        let token = TokenHarness()
        token.personalize(.transfer)
        #expect(token.confirm(body.bytes) == nil)
        #expect(token.approve().statusWord == .success)
    }

    static let deceptive: [(String, TransferBody)] = [
        ("control character", TransferBody().replacing(0x81, text: "Zhang\u{7}San")),
        ("newline", TransferBody().replacing(0x84, text: "Invoice\n42")),
        ("bidi override", TransferBody().replacing(0x81, text: "Zhang \u{202E}naS")),
        ("bidi isolate", TransferBody().replacing(0x80, text: "DE89\u{2066}3704")),
        ("zero-width space", TransferBody().replacing(0x80, text: "DE89\u{200B}3704")),
        ("zero-width joiner", TransferBody().replacing(0x81, text: "Zhang\u{200D}San")),
        ("byte order mark", TransferBody().replacing(0x81, text: "\u{FEFF}Zhang")),
        ("line separator", TransferBody().replacing(0x84, text: "a\u{2028}b")),
        ("paragraph separator", TransferBody().replacing(0x84, text: "a\u{2029}b")),
        ("private use", TransferBody().replacing(0x81, text: "Zhang\u{E000}")),
        ("combining grapheme joiner", TransferBody().replacing(0x81, text: "Li\u{34F}Si")),
        ("variation selector 16", TransferBody().replacing(0x81, text: "Li Si\u{FE0F}")),
        ("Hangul filler", TransferBody().replacing(0x81, text: "Li\u{3164}Si")),
        ("no-break space", TransferBody().replacing(0x81, text: "Li\u{A0}Si")),
        ("trailing space", TransferBody().replacing(0x81, text: "Li Si ")),
        ("double space", TransferBody().replacing(0x84, text: "Invoice  42")),
        ("leading space", TransferBody().replacing(0x84, text: " Invoice 42")),
        ("the issue's label spoof with padding", TransferBody().replacing(0x81, text: "Li Si           Amount:         10.00 CNY")),
        ("unassigned U+0378", TransferBody().replacing(0x81, text: "Li\u{378}")),
        ("noncharacter U+FFFF", TransferBody().replacing(0x81, with: Array("Li".utf8) + [0xEF, 0xBF, 0xBF])),
        ("20 stacked U+0338 on one letter", TransferBody().replacing(0x81, text: "Z" + String(repeating: "\u{338}", count: 20))),
        ("two marks on one letter", TransferBody().replacing(0x81, text: "x\u{301}\u{302}")),
        ("decomposed é (not NFC)", TransferBody().replacing(0x81, text: "Jose\u{301}")),
        ("ambiguous width", TransferBody().replacing(0x84, text: "\u{B1}5")),
        ("new in Unicode 16", TransferBody().replacing(0x81, text: "\u{1C89}")),
        ("Bengali four in the account", TransferBody().replacing(0x80, text: "62220202001122\u{9EA}3")),
        ("Hebrew letter in the account", TransferBody().replacing(0x80, text: "DE89\u{5D0}3704")),
        ("lower-case account", TransferBody().replacing(0x80, text: "de89370400440532013000")),
        ("the value marker in a name", TransferBody().replacing(0x81, text: "Li > Si")),
        ("the value marker in a reference", TransferBody().replacing(0x84, text: ">Amount:")),
        ("account too long", TransferBody().replacing(0x80, text: String(repeating: "1", count: 35))),
        ("empty account", TransferBody().replacing(0x80, text: "")),
        ("payee too long", TransferBody().replacing(0x81, text: String(repeating: "a", count: 65))),
        ("empty payee", TransferBody().replacing(0x81, text: "")),
        ("reference too long", TransferBody().replacing(0x84, text: String(repeating: "r", count: 65))),
        ("overlong UTF-8", TransferBody().replacing(0x81, with: [0x5A, 0xC0, 0xAF])),
        ("UTF-8 surrogate", TransferBody().replacing(0x81, with: [0x5A, 0xED, 0xA0, 0x80])),
        ("truncated UTF-8", TransferBody().replacing(0x81, with: [0x5A, 0xE5, 0x90])),
        ("invalid byte", TransferBody().replacing(0x81, with: [0x5A, 0xFF])),
        ("above U+10FFFF", TransferBody().replacing(0x81, with: [0xF4, 0x90, 0x80, 0x80])),
        ("zero amount", TransferBody().replacing(0x82, text: "0")),
        ("zero amount with fraction", TransferBody().replacing(0x82, text: "0.000")),
        ("leading zero", TransferBody().replacing(0x82, text: "01")),
        ("trailing dot", TransferBody().replacing(0x82, text: "1.")),
        ("four decimals", TransferBody().replacing(0x82, text: "1.2345")),
        ("sixteen digits", TransferBody().replacing(0x82, text: "1234567890123456")),
        ("negative amount", TransferBody().replacing(0x82, text: "-1")),
        ("exponent", TransferBody().replacing(0x82, text: "1e3")),
        ("comma", TransferBody().replacing(0x82, text: "1,000")),
        ("space in amount", TransferBody().replacing(0x82, text: "1 000")),
        ("lower-case currency", TransferBody().replacing(0x83, text: "cny")),
        ("two-letter currency", TransferBody().replacing(0x83, text: "CN")),
        ("four-letter currency", TransferBody().replacing(0x83, text: "CNYY")),
        ("digit in currency", TransferBody().replacing(0x83, text: "C1Y")),
        ("short challenge", TransferBody().replacing(0x85, with: [UInt8](repeating: 1, count: 7))),
        ("long challenge", TransferBody().replacing(0x85, with: [UInt8](repeating: 1, count: 65))),
        ("tags out of order", TransferBody(fields: [TransferBody().fields[1], TransferBody().fields[0]] + TransferBody().fields.dropFirst(2))),
        ("repeated tag", TransferBody(fields: TransferBody().fields + [(0x85, [UInt8](repeating: 2, count: 8))])),
        ("card's serial tag", TransferBody(fields: TransferBody().fields + [(0x86, [UInt8](repeating: 2, count: 8))])),
        ("card's counter tag", TransferBody(fields: TransferBody().fields + [(0x87, [0, 0, 0, 9])])),
        ("unknown tag", TransferBody(fields: TransferBody().fields + [(0x88, [0])])),
        ("missing amount", TransferBody(fields: TransferBody().fields.filter { $0.0 != 0x82 })),
        ("missing challenge", TransferBody(fields: TransferBody().fields.filter { $0.0 != 0x85 })),
    ]

    @Test("deceptive or malformed transfers are 6A80 and never reach the screen", arguments: TransferTests.deceptive)
    func refused(name: String, body: TransferBody) {
        let token = TokenHarness()
        token.personalize(.transfer)
        #expect(token.confirm(body.bytes)?.statusWord == .wrongData, "\(name)")
        #expect(token.platform.presence.shownScreens.isEmpty)
    }

    @Test("a body that is not one 70 object is 6A80", arguments: [
        [0x71, 0x00], [0x70, 0x05, 0x80, 0x01], TransferBody().bytes + [0x00], [0x70], [0x30, 0x00],
    ] as [[UInt8]])
    func badEnvelope(body: [UInt8]) {
        let token = TokenHarness()
        token.personalize(.transfer)
        #expect(token.confirm(body)?.statusWord == .wrongData)
    }

    @Test("the counter strictly increases and every DTBS carries its own value")
    func counterIncreases() throws {
        let token = TokenHarness()
        token.personalize(.transfer)
        var seen: [[UInt8]] = []
        for _ in 0..<5 {
            #expect(token.confirm(TransferBody().bytes) == nil)
            let response = token.approve()
            let dtbs = try #require(try TLV(parsing: response.data).children().first(0x70))
            seen.append(try #require(try dtbs.children().first(0x87)).value)
        }
        #expect(seen == (1...5).map { [0, 0, 0, UInt8($0)] })
    }

    static let labels: Set<String> = ["To account:", "Payee:", "Amount:", "Reference:", "OK?"]

    /// The screens shown for `body`, after the holder approved.
    static func screens(_ body: TransferBody) -> [[String]] {
        let token = TokenHarness()
        token.personalize(.transfer)
        #expect(token.confirm(body.bytes) == nil)
        #expect(token.approve().statusWord == .success)
        return token.platform.presence.shownScreens.map(\.lines)
    }

    @Test("a payee name that spells a label shows only marker lines under Payee:, and the real amount under Amount:")
    func labelSpoof() throws {
        let lines = Self.screens(TransferBody().replacing(0x81, text: "Li Si Amount: 10.00 CNY")).flatMap { $0 }
        let payee = try #require(lines.firstIndex(of: "Payee:"))
        #expect(lines[payee + 1 ..< payee + 3] == [">Li Si Amount: 1", ">0.00 CNY"])
        #expect(lines.filter { $0 == "Amount:" }.count == 1, "one Amount: label, the card's own")
        let amount = try #require(lines.firstIndex(of: "Amount:"))
        #expect(lines[amount + 1] == ">1234.56 CNY")
    }

    @Test("every line is a label or starts with the marker, and none is wider than 16 columns", arguments: [
        TransferBody(),
        TransferBody().replacing(0x81, text: "Li Si Amount: 10.00 CNY"),
        TransferBody().replacing(0x81, text: String(repeating: "名", count: 16)),
        TransferBody().replacing(0x81, text: String(repeating: "名", count: 64)),
        TransferBody().replacing(0x84, text: "a" + String(repeating: "名x\u{301}", count: 21)),
        TransferBody().replacing(0x80, text: String(repeating: "9", count: 34)).replacing(0x82, text: "999999999999999.999"),
    ])
    func everyLine(body: TransferBody) {
        for line in Self.screens(body).flatMap({ $0 }) {
            #expect(Self.labels.contains(line) || line.unicodeScalars.first == ValueLines.marker, "\(line)")
            #expect(ValueLines.columns(of: line) <= Screen.columnCount, "\(line)")
        }
    }

    @Test("16 CJK scalars take 32 columns: three value lines, not one over-wide line")
    func cjkWraps() {
        let lines = Self.screens(TransferBody().replacing(0x81, text: String(repeating: "名", count: 16))).flatMap { $0 }
        let payee = lines.firstIndex(of: "Payee:") ?? 0
        #expect(lines[payee + 1 ... payee + 3].map { ValueLines.columns(of: $0) } == [15, 15, 5])
        #expect(lines[payee + 4] == "Amount:")
    }

    @Test("display layout: blocks do not split across pages when they fit")
    func layout() {
        let pages = DisplayLayout.pages([["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i", "j"]])
        #expect(pages.map(\.lines) == [["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i"], ["j"]])
        #expect(pages.allSatisfy { $0.pageCount == 4 })
    }
}
