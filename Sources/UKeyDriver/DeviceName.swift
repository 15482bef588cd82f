/// Where a reader's device is, parsed from the DEVICENAME of reader.conf or from pcscd's
/// hotplug (`IFDHCreateChannelByName`).
///
///     usbip:HOST:PORT/BUSID          the emulator (or any usbipd) over TCP
///     usbip:[V6ADDR]:PORT/BUSID      an IPv6 host in brackets
///     usbip:unix:PATH/BUSID          over a unix socket; the bus id follows the last `/`
///     usb:VVVV/PPPP:libudev:IF:/dev/bus/usb/BBB/DDD   pcscd hotplug (libudev), bus/device given
///     usb:VVVV/PPPP                  the first libusb device with that vendor/product id
///
/// A value type with no I/O, so it is tested with vectors.
package enum DeviceName: Hashable, Sendable, CustomStringConvertible {
    /// A USB/IP server and the bus id of the device to import.
    case usbip(USBIPAddress, busid: String)
    /// A local USB device by vendor and product id; `bus`/`address` pin one device.
    case usb(vendorID: UInt16, productID: UInt16, bus: Int?, address: Int?)

    /// How to reach a USB/IP server.
    package enum USBIPAddress: Hashable, Sendable {
        case tcp(host: String, port: UInt16)
        case unix(path: String)
    }

    /// Why a device name was refused.
    package enum ParseError: Error, Hashable, Sendable {
        case unknownScheme
        case missingBusID
        case badPort
        case missingHost
        case badUSBID
        case badPath
    }

    package init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("usbip:") {
            self = try DeviceName.parseUSBIP(String(text.dropFirst("usbip:".count)))
        } else if text.hasPrefix("usb:") {
            self = try DeviceName.parseUSB(String(text.dropFirst("usb:".count)))
        } else {
            throw .unknownScheme
        }
    }

    private static func parseUSBIP(_ rest: String) throws(ParseError) -> DeviceName {
        guard let slash = rest.lastIndex(of: "/") else { throw .missingBusID }
        let busid = String(rest[rest.index(after: slash)...])
        let location = String(rest[..<slash])
        guard !busid.isEmpty, busid.utf8.count < 32 else { throw .missingBusID }
        if location.hasPrefix("unix:") {
            let path = String(location.dropFirst("unix:".count))
            guard !path.isEmpty, path.utf8.count < 108 else { throw .badPath }
            return .usbip(.unix(path: path), busid: busid)
        }
        let host: String
        let portText: Substring
        if location.hasPrefix("[") {
            guard let close = location.firstIndex(of: "]") else { throw .missingHost }
            host = String(location[location.index(after: location.startIndex)..<close])
            let after = location[location.index(after: close)...]
            guard after.first == ":" else { throw .badPort }
            portText = after.dropFirst()
        } else {
            guard let colon = location.lastIndex(of: ":") else { throw .badPort }
            host = String(location[..<colon])
            guard !host.contains(":") else { throw .missingHost }
            portText = location[location.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .missingHost }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit),
              let port = UInt16(portText) else { throw .badPort }
        return .usbip(.tcp(host: host, port: port), busid: busid)
    }

    private static func parseUSB(_ rest: String) throws(ParseError) -> DeviceName {
        let fields = rest.split(separator: ":", omittingEmptySubsequences: false)
        let ids = fields[0].split(separator: "/", omittingEmptySubsequences: false)
        guard ids.count == 2, let vendor = hex16(ids[0]), let product = hex16(ids[1]) else { throw .badUSBID }
        var bus: Int?
        var address: Int?
        // pcscd hotplug: "libudev:<interface>:/dev/bus/usb/BBB/DDD" (libccid's format).
        let marker = "/dev/bus/usb/"
        if let usbPath = findSubstring(marker, in: rest) {
            let parts = rest[usbPath...].dropFirst(marker.count).split(separator: "/")
            if parts.count >= 2, let b = Int(parts[0]), let d = Int(parts[1].prefix { $0.isASCIIDigit }) {
                bus = b
                address = d
            }
        }
        return .usb(vendorID: vendor, productID: product, bus: bus, address: address)
    }

    private static func hex16(_ text: Substring) -> UInt16? {
        guard (1...4).contains(text.count), text.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(text, radix: 16)
    }

    package var description: String {
        switch self {
        case .usbip(.tcp(let host, let port), let busid):
            return host.contains(":") ? "usbip:[\(host)]:\(port)/\(busid)" : "usbip:\(host):\(port)/\(busid)"
        case .usbip(.unix(let path), let busid):
            return "usbip:unix:\(path)/\(busid)"
        case .usb(let vendor, let product, let bus, let address):
            let ids = "usb:" + hex4(vendor) + "/" + hex4(product)
            guard let bus, let address else { return ids }
            return ids + " (bus \(bus) device \(address))"
        }
    }
}

/// The start of `needle` in `haystack` (no Foundation in the driver).
private func findSubstring(_ needle: String, in haystack: String) -> String.Index? {
    var index = haystack.startIndex
    while index < haystack.endIndex {
        if haystack[index...].hasPrefix(needle) { return index }
        index = haystack.index(after: index)
    }
    return nil
}

private func hex4(_ value: UInt16) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: 4 - text.count) + text
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
