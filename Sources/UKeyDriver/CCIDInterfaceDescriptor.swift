import CCID

/// The CCID interface of a configuration descriptor (USB 2.0 §9.6.3–9.6.6, CCID rev 1.1 §5):
/// the first interface of class 0x0B, the 54-byte class descriptor (type 0x21) that follows
/// it, and its bulk OUT, bulk IN and interrupt IN endpoints.
public struct CCIDInterfaceDescriptor: Hashable, Sendable {
    public static let interfaceClass: UInt8 = 0x0B

    public var bInterfaceNumber: UInt8
    public var bConfigurationValue: UInt8
    /// Endpoint addresses (with the direction bit: 0x01, 0x82, 0x83).
    public var bulkOut: UInt8
    public var bulkIn: UInt8
    public var interruptIn: UInt8?
    public var classDescriptor: CCIDClassDescriptor

    public init(bInterfaceNumber: UInt8 = 0, bConfigurationValue: UInt8 = 1, bulkOut: UInt8, bulkIn: UInt8,
                interruptIn: UInt8?, classDescriptor: CCIDClassDescriptor) {
        self.bInterfaceNumber = bInterfaceNumber
        self.bConfigurationValue = bConfigurationValue
        self.bulkOut = bulkOut
        self.bulkIn = bulkIn
        self.interruptIn = interruptIn
        self.classDescriptor = classDescriptor
    }

    /// Walks a whole configuration descriptor (wTotalLength bytes). Every descriptor's
    /// bLength is checked, so a malformed one is an error, never a crash.
    public init(configuration b: [UInt8]) throws(DriverError) {
        guard b.count >= 9, b[1] == 0x02 else { throw .communication("bad configuration descriptor") }
        let configurationValue = b[5]
        var at = 0
        var interfaceNumber: UInt8?
        var inCCID = false
        var classDescriptor: CCIDClassDescriptor?
        var bulkOut: UInt8?
        var bulkIn: UInt8?
        var interrupt: UInt8?
        while at + 2 <= b.count {
            let length = Int(b[at])
            guard length >= 2, at + length <= b.count else {
                throw .communication("descriptor at offset \(at) has bLength \(length)")
            }
            let type = b[at + 1]
            switch type {
            case 0x04 where length >= 9:               // INTERFACE
                if interfaceNumber != nil && inCCID { at = b.count; continue }
                inCCID = b[at + 5] == CCIDInterfaceDescriptor.interfaceClass
                if inCCID { interfaceNumber = b[at + 2] }
            case CCIDClassDescriptor.descriptorType where inCCID:
                do {
                    classDescriptor = try CCIDClassDescriptor(parsing: b[at..<at + length])
                } catch {
                    throw .badCCIDReply(error)
                }
            case 0x05 where inCCID && length >= 7:      // ENDPOINT
                let address = b[at + 2]
                switch (b[at + 3] & 0x03, address & 0x80 != 0) {
                case (2, false): bulkOut = bulkOut ?? address
                case (2, true): bulkIn = bulkIn ?? address
                case (3, true): interrupt = interrupt ?? address
                default: break
                }
            default:
                break
            }
            at += length
        }
        guard let interfaceNumber else { throw .noSuchDevice("no CCID interface (class 0x0B)") }
        guard let classDescriptor else { throw .communication("CCID interface without class descriptor") }
        guard let bulkOut, let bulkIn else { throw .communication("CCID interface without bulk endpoints") }
        self.init(bInterfaceNumber: interfaceNumber, bConfigurationValue: configurationValue, bulkOut: bulkOut,
                  bulkIn: bulkIn, interruptIn: interrupt, classDescriptor: classDescriptor)
    }
}
