/// The `speed` field of a USB/IP device record: Linux's `enum usb_device_speed`.
public struct USBSpeed: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// USB_SPEED_UNKNOWN
    public static let unknown = USBSpeed(rawValue: 0)
    /// USB_SPEED_LOW, 1.5 Mbit/s
    public static let low = USBSpeed(rawValue: 1)
    /// USB_SPEED_FULL, 12 Mbit/s (a CCID token)
    public static let full = USBSpeed(rawValue: 2)
    /// USB_SPEED_HIGH, 480 Mbit/s
    public static let high = USBSpeed(rawValue: 3)
    /// USB_SPEED_WIRELESS
    public static let wireless = USBSpeed(rawValue: 4)
    /// USB_SPEED_SUPER, 5 Gbit/s
    public static let `super` = USBSpeed(rawValue: 5)
    /// USB_SPEED_SUPER_PLUS, 10 Gbit/s
    public static let superPlus = USBSpeed(rawValue: 6)
}
