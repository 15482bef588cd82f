import CCID
import USB

/// The CCID interface of a configuration descriptor (USB 2.0 §9.6.3–9.6.6, CCID rev 1.1 §5):
/// the first interface of class 0x0B, the 54-byte class descriptor (type 0x21) that follows
/// it, and its bulk OUT, bulk IN and interrupt IN endpoints.
package struct CCIDInterfaceDescriptor: Hashable, Sendable {
    package static let interfaceClass: UInt8 = 0x0B

    package var bInterfaceNumber: UInt8
    package var bConfigurationValue: UInt8
    /// Endpoint addresses (with the direction bit: 0x01, 0x82, 0x83).
    package var bulkOut: UInt8
    package var bulkIn: UInt8
    package var interruptIn: UInt8?
    package var classDescriptor: CCIDClassDescriptor

    package init(bInterfaceNumber: UInt8 = 0, bConfigurationValue: UInt8 = 1, bulkOut: UInt8, bulkIn: UInt8,
                 interruptIn: UInt8?, classDescriptor: CCIDClassDescriptor) {
        self.bInterfaceNumber = bInterfaceNumber
        self.bConfigurationValue = bConfigurationValue
        self.bulkOut = bulkOut
        self.bulkIn = bulkIn
        self.interruptIn = interruptIn
        self.classDescriptor = classDescriptor
    }

    /// Finds the CCID interface in a whole configuration descriptor (wTotalLength bytes),
    /// parsed by ``USBConfigurationDescriptor``: a malformed descriptor is an error, never a crash.
    package init(configuration bytes: [UInt8]) throws(DriverError) {
        let configuration: USBConfigurationDescriptor
        do { configuration = try USBConfigurationDescriptor(parsing: bytes) } catch {
            throw .communication("bad configuration descriptor: \(error)")
        }
        var interfaceNumber: UInt8?
        var interfaceProtocol: UInt8 = 0
        var classDescriptor: CCIDClassDescriptor?
        var bulkOut: UInt8?
        var bulkIn: UInt8?
        var interrupt: UInt8?
        search: for descriptor in configuration.descriptors {
            switch descriptor {
            case .interface(let interface):
                if interfaceNumber != nil { break search }
                if interface.bInterfaceClass == CCIDInterfaceDescriptor.interfaceClass {
                    interfaceNumber = interface.bInterfaceNumber
                    interfaceProtocol = interface.bInterfaceProtocol
                }
            case .other(let bytes) where interfaceNumber != nil && descriptor.type == CCIDClassDescriptor.descriptorType:
                do { classDescriptor = try CCIDClassDescriptor(parsing: bytes) } catch { throw .badCCIDReply(error) }
            case .endpoint(let endpoint) where interfaceNumber != nil:
                switch (endpoint.transferType, endpoint.isIn) {
                case (USBEndpointDescriptor.bulk, false): bulkOut = bulkOut ?? endpoint.bEndpointAddress
                case (USBEndpointDescriptor.bulk, true): bulkIn = bulkIn ?? endpoint.bEndpointAddress
                case (USBEndpointDescriptor.interrupt, true): interrupt = interrupt ?? endpoint.bEndpointAddress
                default: break
                }
            default:
                break
            }
        }
        guard let interfaceNumber else { throw .noSuchDevice("no CCID interface (class 0x0B)") }
        // bInterfaceProtocol 01 / 02: ICCD version A / B (USB-ICC ICCD rev 1.0), commands on
        // endpoint 0 instead of bulk messages.
        if interfaceProtocol == 1 || interfaceProtocol == 2 {
            throw .notSupported("ICCD (control-transfer) tokens (bInterfaceProtocol \(interfaceProtocol))")
        }
        guard let classDescriptor else { throw .communication("CCID interface without class descriptor") }
        guard let bulkOut, let bulkIn else {
            throw .notSupported("ICCD (control-transfer) tokens: CCID interface without bulk endpoints")
        }
        self.init(bInterfaceNumber: interfaceNumber, bConfigurationValue: configuration.bConfigurationValue,
                  bulkOut: bulkOut, bulkIn: bulkIn, interruptIn: interrupt, classDescriptor: classDescriptor)
    }
}
