import FuzzSupport
import ISO7816

/// Every object that parses re-encodes (minimal lengths) to bytes that parse back to an equal
/// object; a minimal encoding comes back byte for byte; constructed objects are walked down
/// to `maxDepth` levels with the same checks; a whole sequence round-trips too.
func fuzzTLV(_ bytes: [UInt8]) {
    if let objects = try? TLV.sequence(parsing: bytes) {
        let encoded = objects.flatMap(\.bytes)
        fuzzRequire((try? TLV.sequence(parsing: encoded)) == objects, "a TLV sequence round-trips: \(bytes.hexString)")
        fuzzRequire(encoded.count <= bytes.count, "minimal lengths never make an encoding longer")
        for object in objects { check(object, depth: 0) }
    }
    if let object = try? TLV(parsing: bytes) {
        fuzzRequire((try? TLV.sequence(parsing: bytes)) == [object], "one object is a sequence of one")
    }
}

private let maxDepth = 16

private func check(_ object: TLV, depth: Int) {
    let encoded = object.bytes
    fuzzRequire((try? TLV(parsing: encoded)) == object, "an object round-trips: \(encoded.hexString)")
    fuzzRequire(object.tag.bytes.count <= 4, "tags have at most four bytes")
    var index = 0
    fuzzRequire((try? TLV.parseOne(encoded, at: &index)) == object && index == encoded.count,
                "parseOne consumes exactly one encoded object")
    guard object.tag.isConstructed, depth < maxDepth, let children = try? object.children() else { return }
    let rebuilt = TLV(tag: object.tag, children: children)
    fuzzRequire((try? rebuilt.children()) == children, "children re-encode to the same children")
    for child in children { check(child, depth: depth + 1) }
}

/// Objects the token really exchanges, built with `TLV`: the FCI, token information, a public
/// key, a transfer body and its DTBS, plus long-form lengths and multi-byte tags.
var tlvSeeds: [String: [UInt8]] {
    let aid: [UInt8] = [0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01]
    let text: (String) -> [UInt8] = { Array($0.utf8) }
    let transfer = TLV(tag: 0x70, children: [
        TLV(tag: 0x80, value: text("DE89370400440532013000")), TLV(tag: 0x81, value: text("Zhang San")),
        TLV(tag: 0x82, value: text("1234.56")), TLV(tag: 0x83, value: text("CNY")),
        TLV(tag: 0x84, value: text("Invoice 42")), TLV(tag: 0x85, value: [UInt8](repeating: 0xC5, count: 16)),
    ])
    let dtbs = TLV(tag: 0x70, children: (try! transfer.children()) + [
        TLV(tag: 0x86, value: [0x55, 0x4B, 0, 0, 0, 0, 0, 1]), TLV(tag: 0x87, value: [0, 0, 0, 7]),
    ])
    return [
        "fci": TLV(tag: 0x6F, children: [
            TLV(tag: 0x84, value: aid),
            TLV(tag: 0xA5, children: [TLV(tag: 0xC0, value: [0x55, 0x4B, 0, 0, 0, 0, 0, 1]),
                                      TLV(tag: 0xC1, value: [1, 0])]),
        ]).bytes,
        "token_info": [TLV(tag: 0xC0, value: [0x55, 0x4B, 0, 0, 0, 0, 0, 1]), TLV(tag: 0xC1, value: [1, 0]),
                       TLV(tag: 0xC2, value: [1]), TLV(tag: 0xC3, value: [3]), TLV(tag: 0xC4, value: [3]),
                       TLV(tag: 0xC5, value: [0, 0, 0, 2]), TLV(tag: 0xC6, value: [4, 16]),
                       TLV(tag: 0xC7, value: [0])].flatMap(\.bytes),
        "public_key_1024": TLV(tag: 0x7F49, children: [
            TLV(tag: 0x81, value: [0xC3] + [UInt8](repeating: 0x5A, count: 127)), TLV(tag: 0x82, value: [1, 0, 1]),
        ]).bytes,
        "transfer_body": transfer.bytes,
        "confirm_answer": TLV(tag: 0x7C, children: [dtbs, TLV(tag: 0x9E, value: [UInt8](repeating: 0x11, count: 128))]).bytes,
        "long_length_82": TLV(tag: 0x53, value: [UInt8](repeating: 0, count: 300)).bytes,
        "three_byte_tag": TLV(tag: 0x5F_C1_02, value: [0x01]).bytes,
        "nested_deep": (0..<8).reduce(TLV(tag: 0x80, value: [])) { inner, _ in TLV(tag: 0xA1, children: [inner]) }.bytes,
    ]
}
