/// A PIN or PUK as stored in NVM:
///
///     tries left (1) | max tries (1) | flags (1: b1 = must change) | length (1) | value, FF-padded to 16
///
/// The record is fixed-size so that its writes do not reveal the PIN's length.
public struct PINRecord: Equatable, Sendable {
    public static let capacity = 16

    public var triesLeft: UInt8
    public var maxTries: UInt8
    public var mustChange: Bool
    /// The reference value, unpadded. Secret: never logged, never in a response.
    public var value: [UInt8]

    public init(value: [UInt8], maxTries: UInt8, mustChange: Bool) {
        self.value = value
        self.maxTries = maxTries
        self.triesLeft = maxTries
        self.mustChange = mustChange
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 + PINRecord.capacity, bytes[1] > 0, bytes[0] <= bytes[1],
              Int(bytes[3]) <= PINRecord.capacity else { return nil }
        triesLeft = bytes[0]
        maxTries = bytes[1]
        mustChange = bytes[2] & 0x01 != 0
        value = Array(bytes[4..<4 + Int(bytes[3])])
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [triesLeft, maxTries, mustChange ? 0x01 : 0x00, UInt8(value.count)]
        out += value
        out += [UInt8](repeating: 0xFF, count: PINRecord.capacity - value.count)
        return out
    }

    /// Compares `candidate` with the reference in time that does not depend on where they differ.
    public func matches(_ candidate: [UInt8]) -> Bool {
        var difference: UInt8 = candidate.count == value.count ? 0 : 1
        for index in 0..<PINRecord.capacity {
            let reference: UInt8 = index < value.count ? value[index] : 0xFF
            let offered: UInt8 = index < candidate.count ? candidate[index] : 0xFF
            difference |= reference ^ offered
        }
        return difference == 0
    }
}
