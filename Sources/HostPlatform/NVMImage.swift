import CardOS

/// The byte layout of a ``FileNVM`` image, all integers big-endian:
///
/// ```
/// "UKNV" | version (2) = 1 | record count (4) | count × { id (2) | length (4) | bytes } | SHA-256 (32)
/// ```
///
/// Records are written in ascending id order, so one state has one image. The SHA-256 covers
/// every byte before it.
enum NVMImage {
    static let magic: [UInt8] = [0x55, 0x4B, 0x4E, 0x56]       // "UKNV"
    static let version: UInt16 = 1
    static let checksumLength = 32
    /// Magic, version and count.
    static let headerLength = 10

    /// The image of `records`.
    static func encode(_ records: [RecordID: [UInt8]]) -> [UInt8] {
        var image = magic
        image.reserveCapacity(headerLength + records.values.reduce(0) { $0 + 6 + $1.count } + checksumLength)
        append(UInt64(version), width: 2, to: &image)
        append(UInt64(records.count), width: 4, to: &image)
        for id in records.keys.sorted() {
            let value = records[id]!
            precondition(value.count <= Int(UInt32.max), "a record fits a 4-byte length")
            append(UInt64(id), width: 2, to: &image)
            append(UInt64(value.count), width: 4, to: &image)
            image += value
        }
        image += OpenSSLCryptoEngine.sha256(image)
        return image
    }

    /// The records of an image; every length is checked before it is used.
    static func decode(_ image: [UInt8]) throws(FileNVMError) -> [RecordID: [UInt8]] {
        guard image.count >= magic.count, image.prefix(magic.count).elementsEqual(magic) else { throw .badMagic }
        guard image.count >= headerLength + checksumLength else { throw .truncated }
        let format = UInt16(number(image, at: 4, width: 2))
        guard format == version else { throw .unsupportedVersion(format) }
        let end = image.count - checksumLength
        let body = Array(image[..<end])
        guard OpenSSLCryptoEngine.sha256(body) == Array(image[end...]) else { throw .checksumMismatch }

        let count = number(body, at: 6, width: 4)
        var records: [RecordID: [UInt8]] = [:]
        var offset = headerLength
        for _ in 0..<count {
            guard body.count - offset >= 6 else { throw .truncated }
            let id = RecordID(number(body, at: offset, width: 2))
            let length = Int(number(body, at: offset + 2, width: 4))
            offset += 6
            guard body.count - offset >= length else { throw .truncated }
            guard records[id] == nil else { throw .malformed("record \(id) appears twice") }
            records[id] = Array(body[offset..<offset + length])
            offset += length
        }
        guard offset == body.count else { throw .malformed("bytes after the last record") }
        return records
    }

    private static func append(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: 8 * (width - 1), through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func number(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        bytes[offset..<offset + width].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
