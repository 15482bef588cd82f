import ISO7816

/// OP_REP_DEVLIST (usbip_protocol.rst): common header (code 0x0005, status), then — when the
/// status is ST_OK — the number of exported devices (4) and each device: its 312-byte record
/// followed by bNumInterfaces 4-byte interface records. With another status nothing follows
/// (the client, like usbip's, stops after the header).
public struct USBIPDevlistReply: Hashable, Sendable {
    public var status: USBIPOpStatus
    /// The exported devices; only encoded when `status` is `.ok`.
    public var devices: [USBIPExportedDevice]

    public init(status: USBIPOpStatus = .ok, devices: [USBIPExportedDevice]) {
        self.status = status
        self.devices = devices
    }

    public init(parsing bytes: some Collection<UInt8>, limits: USBIPLimits = USBIPLimits()) throws(USBIPError) {
        let b = Array(bytes)
        try USBIPFraming.requireExact(
            try USBIPFraming.op(b, start: 0, available: b.count, expected: [.OP_REP_DEVLIST], limits: limits),
            count: b.count)
        status = USBIPOpStatus(rawValue: try b.be32(at: 4))
        devices = []
        guard status == .ok else { return }
        var offset = USBIPOpCode.headerCount + 4
        for _ in 0..<Int(try b.be32(at: USBIPOpCode.headerCount)) {
            let device = try USBIPExportedDevice(entry: b, at: offset)
            offset += device.count
            devices.append(device)
        }
    }

    public var bytes: [UInt8] {
        var out = USBIPOpCode.OP_REP_DEVLIST.header(status: status.rawValue)
        guard status == .ok else { return out }
        out.appendBE32(UInt32(devices.count))
        for device in devices { out += device.bytes }
        return out
    }
}
