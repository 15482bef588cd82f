/// The `usbip_usb_interface` record that follows a device in OP_REP_DEVLIST, one per
/// interface (usbip_protocol.rst): bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol,
/// padding (sent as 0, ignored).
public struct USBIPUSBInterface: Hashable, Sendable {
    public static let count = 4

    public var bInterfaceClass: UInt8
    public var bInterfaceSubClass: UInt8
    public var bInterfaceProtocol: UInt8

    public init(bInterfaceClass: UInt8, bInterfaceSubClass: UInt8 = 0, bInterfaceProtocol: UInt8 = 0) {
        self.bInterfaceClass = bInterfaceClass
        self.bInterfaceSubClass = bInterfaceSubClass
        self.bInterfaceProtocol = bInterfaceProtocol
    }

    /// The smart card (CCID) interface class.
    public static let ccid = USBIPUSBInterface(bInterfaceClass: 0x0B)

    public var bytes: [UInt8] { [bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol, 0] }
}
