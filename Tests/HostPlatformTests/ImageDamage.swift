import HostPlatform

/// Ways an NVM image file can be damaged, and the error opening it must give.
enum ImageDamage: String, CaseIterable, Sendable, CustomStringConvertible {
    case flippedRecordBit, flippedChecksumBit, truncatedByOne, truncatedToHeader, badMagic, emptyFile, version2

    var description: String { rawValue }

    func apply(to image: inout [UInt8]) {
        switch self {
        case .flippedRecordBit: image[17] ^= 0x01
        case .flippedChecksumBit: image[image.count - 1] ^= 0x80
        case .truncatedByOne: image.removeLast()
        case .truncatedToHeader: image.removeLast(image.count - 10)
        case .badMagic: image[0] = 0x00
        case .emptyFile: image = []
        case .version2: image[5] = 0x02
        }
    }

    var expectedError: FileNVMError {
        switch self {
        case .flippedRecordBit, .flippedChecksumBit, .truncatedByOne: .checksumMismatch
        case .truncatedToHeader: .truncated
        case .badMagic, .emptyFile: .badMagic
        case .version2: .unsupportedVersion(2)
        }
    }
}
