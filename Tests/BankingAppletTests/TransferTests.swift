@testable import BankingApplet
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
            ["To account:", "DE89370400440532", "013000"],
            ["Payee:", "Zhang San Tradin", "g Company Ltd."],
            ["Amount:", "1234.56 CNY", "Reference:", "Invoice 42"],
            ["OK?"],
        ])
    }

    @Test("accepted edge values", arguments: [
        TransferBody().replacing(0x80, text: String(repeating: "9", count: 34)),
        TransferBody().replacing(0x81, text: String(repeating: "名", count: 64)),
        TransferBody().replacing(0x84, text: ""),
        TransferBody().replacing(0x84, text: String(repeating: "é", count: 64)),
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

    @Test("display layout: hard wrap at 16 scalars, blocks do not split across pages when they fit")
    func layout() {
        #expect(DisplayLayout.wrap("12345678901234567") == ["1234567890123456", "7"])
        #expect(DisplayLayout.wrap("") == [""])
        #expect(DisplayLayout.wrap(String(repeating: "名", count: 17)).map { $0.unicodeScalars.count } == [16, 1])
        let pages = DisplayLayout.pages([["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i", "j"]])
        #expect(pages.map(\.lines) == [["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i"], ["j"]])
        #expect(pages.allSatisfy { $0.pageCount == 4 })
    }
}
