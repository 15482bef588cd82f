import Testing
@testable import USBIP

/// OP_* messages: vectors as usbip(8) exchanges them, round trips, bad input.
struct USBIPOpMessageTests {
    static let sysfsPath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

    /// The token as `usbip list -r` sees it: 1209:0001, full speed, one CCID interface.
    static let token = USBIPUSBDevice(path: sysfsPath, busid: "1-1", busnum: 1, devnum: 2, speed: .full,
                                      idVendor: 0x1209, idProduct: 0x0001, bcdDevice: 0x0100)

    /// OP_REP_DEVLIST with that one device, written field by field from usbip_protocol.rst.
    static let devlistVector: [UInt8] = hex("0111 0005 00000000 00000001")
        + padded(sysfsPath, 256) + padded("1-1", 32)
        + hex("00000001 00000002 00000002 1209 0001 0100 00 00 00 01 01 01")
        + hex("0B 00 00 00")

    @Test("OP_REQ_DEVLIST is 0111 8005 00000000")
    func devlistRequest() throws {
        #expect(USBIPDevlistRequest().bytes == hex("0111 8005 00000000"))
        #expect(try USBIPDevlistRequest(parsing: hex("0111 8005 00000000")) == USBIPDevlistRequest())
    }

    @Test("OP_REP_DEVLIST as usbip list sees it")
    func devlistReply() throws {
        let reply = try USBIPDevlistReply(parsing: Self.devlistVector)
        #expect(reply.status == .ok)
        #expect(reply.devices.count == 1)
        let entry = try #require(reply.devices.first)
        #expect(entry.device.busidString == "1-1")
        #expect(entry.device.pathString == Self.sysfsPath)
        #expect(entry.device.busnum == 1 && entry.device.devnum == 2)
        #expect(entry.device.speed == .full)
        #expect(entry.device.idVendor == 0x1209 && entry.device.idProduct == 0x0001)
        #expect(entry.device.bcdDevice == 0x0100)
        #expect(entry.device.bNumInterfaces == 1)
        #expect(entry.interfaces == [.ccid])
        let built = USBIPDevlistReply(devices: [USBIPExportedDevice(device: Self.token, interfaces: [.ccid])])
        #expect(built.bytes == Self.devlistVector)
        #expect(Self.devlistVector.count == 8 + 4 + 312 + 4)
    }

    @Test("OP_REQ_IMPORT carries busid[32]")
    func importRequest() throws {
        let vector = hex("0111 8003 00000000") + padded("1-2", 32)
        #expect(USBIPImportRequest(busid: "1-2").bytes == vector)
        #expect(try USBIPImportRequest(parsing: vector).busidString == "1-2")
    }

    @Test("OP_REP_IMPORT: the device record follows only a status of 0")
    func importReply() throws {
        let ok = hex("0111 0003 00000000") + Self.token.bytes
        #expect(USBIPImportReply(device: Self.token).bytes == ok)
        #expect(try USBIPImportReply(parsing: ok) == USBIPImportReply(device: Self.token))
        let busy = hex("0111 0003 00000002")
        #expect(USBIPImportReply(failure: .deviceBusy).bytes == busy)
        let parsed = try USBIPImportReply(parsing: busy)
        #expect(parsed.status == .deviceBusy && parsed.device == nil)
        #expect(throws: USBIPError.trailingBytes(expected: 8, available: 320)) {
            try USBIPImportReply(parsing: hex("0111 0003 00000001") + Self.token.bytes)
        }
    }

    static let messages: [USBIPMessage] = [
        .OP_REQ_DEVLIST(USBIPDevlistRequest()),
        .OP_REQ_IMPORT(USBIPImportRequest(busid: "1-1")),
        .OP_REP_DEVLIST(USBIPDevlistReply(devices: [])),
        .OP_REP_DEVLIST(USBIPDevlistReply(status: .error, devices: [])),
        .OP_REP_DEVLIST(USBIPDevlistReply(devices: [
            USBIPExportedDevice(device: token, interfaces: [.ccid]),
            USBIPExportedDevice(device: USBIPUSBDevice(path: "/x", busid: "1-2", busnum: 1, devnum: 3, speed: .high,
                                                       idVendor: 0x1D6B, idProduct: 0x0104, bcdDevice: 0x0409,
                                                       bDeviceClass: 0xEF, bDeviceSubClass: 2, bDeviceProtocol: 1),
                                interfaces: [USBIPUSBInterface(bInterfaceClass: 2, bInterfaceSubClass: 2, bInterfaceProtocol: 1),
                                             USBIPUSBInterface(bInterfaceClass: 0x0A), .ccid]),
            USBIPExportedDevice(device: token, interfaces: []),
        ])),
        .OP_REP_IMPORT(USBIPImportReply(device: token)),
        .OP_REP_IMPORT(USBIPImportReply(failure: .noDevice)),
    ]

    static func parse(_ bytes: [UInt8], like message: USBIPMessage) throws(USBIPError) -> USBIPMessage {
        switch message {
        case .OP_REQ_DEVLIST: return .OP_REQ_DEVLIST(try USBIPDevlistRequest(parsing: bytes))
        case .OP_REQ_IMPORT: return .OP_REQ_IMPORT(try USBIPImportRequest(parsing: bytes))
        case .OP_REP_DEVLIST: return .OP_REP_DEVLIST(try USBIPDevlistReply(parsing: bytes))
        case .OP_REP_IMPORT: return .OP_REP_IMPORT(try USBIPImportReply(parsing: bytes))
        case .USBIP_CMD_SUBMIT: return .USBIP_CMD_SUBMIT(try USBIPCmdSubmit(parsing: bytes))
        case .USBIP_RET_SUBMIT(let r):
            return .USBIP_RET_SUBMIT(try USBIPRetSubmit(parsing: bytes, requestDirection: r.transferBuffer.isEmpty ? .out : .in))
        case .USBIP_CMD_UNLINK: return .USBIP_CMD_UNLINK(try USBIPCmdUnlink(parsing: bytes))
        case .USBIP_RET_UNLINK: return .USBIP_RET_UNLINK(try USBIPRetUnlink(parsing: bytes))
        }
    }

    @Test("parse(serialize(x)) == x", arguments: messages)
    func roundTrip(_ message: USBIPMessage) throws {
        #expect(try Self.parse(message.bytes, like: message) == message)
    }

    @Test("every truncated prefix is rejected as truncated", arguments: messages)
    func truncatedPrefixes(_ message: USBIPMessage) {
        let bytes = message.bytes
        for length in 0..<bytes.count {
            do throws(USBIPError) {
                _ = try Self.parse(Array(bytes.prefix(length)), like: message)
                Issue.record("accepted a prefix of \(length) bytes")
            } catch {
                guard case .truncated(let needed, let available) = error else {
                    Issue.record("prefix of \(length): \(error)"); continue
                }
                #expect(available == length)
                #expect(needed > length && needed <= bytes.count)
            }
        }
    }

    @Test("bad OP_* input", arguments: [
        ("0110 8005 00000000", USBIPError.badVersion(0x0110)),
        ("0000 0001 00000001", .badVersion(0x0000)),                 // a CMD_SUBMIT before import
        ("0111 8004 00000000", .unknownOpCode(0x8004)),
        ("0111 0005 00000000", .unknownOpCode(0x0005)),              // a reply where a request is expected
        ("0111 8005 00000000 00", .trailingBytes(expected: 8, available: 9)),
    ])
    func badRequests(_ text: String, _ expected: USBIPError) {
        #expect(throws: expected) { try USBIPDevlistRequest(parsing: hex(text)) }
    }

    @Test("a devlist announcing too many devices is refused from its first 12 bytes")
    func tooManyDevices() {
        let limits = USBIPLimits(maxDevices: 4)
        #expect(throws: USBIPError.tooManyDevices(5, maximum: 4)) {
            try USBIPDevlistReply(parsing: hex("0111 0005 00000000 00000005"), limits: limits)
        }
        #expect(throws: USBIPError.tooManyDevices(0xFFFF_FFFF, maximum: 256)) {
            try USBIPDevlistReply(parsing: hex("0111 0005 00000000 FFFFFFFF"))
        }
    }

    @Test("over-long path and busid are cut to their arrays; NUL padding is not kept")
    func fixedStrings() throws {
        var device = Self.token
        device.busid = [UInt8](repeating: 0x31, count: 40)
        let bytes = device.bytes
        #expect(bytes.count == 312)
        #expect(try USBIPUSBDevice(parsing: bytes).busid == [UInt8](repeating: 0x31, count: 32))
        #expect(try USBIPUSBDevice(parsing: bytes).path == Array(Self.sysfsPath.utf8))
    }
}
