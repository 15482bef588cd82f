import Testing
@testable import UKeyDriver

@Suite struct DeviceNameTests {
    @Test(arguments: [
        ("usbip:127.0.0.1:3240/1-1", DeviceName.usbip(.tcp(host: "127.0.0.1", port: 3240), busid: "1-1")),
        ("usbip:localhost:0/1-12", .usbip(.tcp(host: "localhost", port: 0), busid: "1-12")),
        ("usbip:[::1]:3240/1-2", .usbip(.tcp(host: "::1", port: 3240), busid: "1-2")),
        ("usbip:[fe80::1%eth0]:65535/2-1", .usbip(.tcp(host: "fe80::1%eth0", port: 65535), busid: "2-1")),
        ("usbip:unix:/run/ukey/usbip.sock/1-3", .usbip(.unix(path: "/run/ukey/usbip.sock"), busid: "1-3")),
        ("usbip:unix:relative.sock/1-1", .usbip(.unix(path: "relative.sock"), busid: "1-1")),
        ("usb:1209/0001", .usb(vendorID: 0x1209, productID: 0x0001, bus: nil, address: nil)),
        ("usb:08e6/3437", .usb(vendorID: 0x08E6, productID: 0x3437, bus: nil, address: nil)),
        ("usb:1209/0001:libudev:0:/dev/bus/usb/001/004", .usb(vendorID: 0x1209, productID: 0x0001, bus: 1, address: 4)),
        ("usb:1209/0001:libudev:1:/dev/bus/usb/003/127", .usb(vendorID: 0x1209, productID: 0x0001, bus: 3, address: 127)),
        ("usb:1209/0001:libhal:/org/freedesktop/Hal/devices/usb_device_1209_0001", .usb(vendorID: 0x1209, productID: 0x0001, bus: nil, address: nil)),
    ])
    func parses(_ text: String, _ expected: DeviceName) throws {
        #expect(try DeviceName(parsing: text) == expected)
    }

    @Test(arguments: [
        ("", DeviceName.ParseError.unknownScheme),
        ("/dev/ttyS0", .unknownScheme),
        ("usbip:127.0.0.1:3240", .missingBusID),
        ("usbip:127.0.0.1:3240/", .missingBusID),
        ("usbip:127.0.0.1/1-1", .badPort),
        ("usbip:127.0.0.1:99999/1-1", .badPort),
        ("usbip:127.0.0.1:-1/1-1", .badPort),
        ("usbip::3240/1-1", .missingHost),
        ("usbip:::1:3240/1-1", .missingHost),
        ("usbip:[::1]/1-1", .badPort),
        ("usbip:[::1:3240/1-1", .missingHost),
        ("usbip:unix:/1-1", .badPath),
        ("usb:1209", .badUSBID),
        ("usb:12345/0001", .badUSBID),
        ("usb:zz09/0001", .badUSBID),
        ("usb:/0001", .badUSBID),
    ])
    func rejects(_ text: String, _ expected: DeviceName.ParseError) {
        #expect(throws: expected) { try DeviceName(parsing: text) }
    }

    @Test func roundTripsThroughDescription() throws {
        for text in ["usbip:127.0.0.1:3240/1-1", "usbip:[::1]:3240/1-2", "usbip:unix:/tmp/x.sock/1-1", "usb:1209/0001"] {
            #expect(try DeviceName(parsing: text).description == text)
        }
    }
}
