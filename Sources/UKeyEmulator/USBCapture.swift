import CCID
import Foundation
import ISO7816

/// A capture of the tokens' USB traffic as a pcap file in the Linux usbmon format (link type 220,
/// LINKTYPE_USB_LINUX_MMAPPED: the 64-byte `struct usbmon_packet` header, then the data), as
/// `usbmon` and Wireshark write it (issue 20, `ukey emulator run --pcap FILE`, control op
/// `capture-start`).
///
/// Every URB is one submission record (`S`) and one completion record (`C`), both written when the
/// URB completes. A capture begins with synthetic GET_DESCRIPTOR records (device, then
/// configuration) for every token, because Wireshark decodes bulk transfers as CCID only once it
/// has seen the interface class (0x0B) of the device — also for a capture started mid-run.
///
/// PIN-carrying commands are redacted: their command data is overwritten with FF (same length)
/// in the bulk OUT record, also when the command is split across chained APDUs (each part has the
/// INS) or T=1 blocks (a chain of I-blocks after the first is redacted whole). Which commands:
/// by INS, whatever applet is selected — VERIFY 20, CHANGE REFERENCE DATA 24, RESET RETRY COUNTER
/// 2C, PIV GENERAL AUTHENTICATE 87 with P2 9B (the management-key steps), and the OATH secrets PUT
/// 01, SET CODE 03, VALIDATE A3 (no UKey applet uses those INS for anything else). With
/// `includeSecrets` nothing is redacted.
///
/// Reactor thread only.
final class USBCapture {
    /// LINKTYPE_USB_LINUX_MMAPPED.
    static let linkType: UInt32 = 220
    static let snapLength: UInt32 = 0x4_0000

    let path: String
    let includeSecrets: Bool
    private let handle: FileHandle
    private var nextID: UInt64 = 1
    /// Per devnum: a T=1 command chain whose first block was a PIN-carrying command.
    private var secretChain: [UInt32: Bool] = [:]

    /// Creates (truncates) `path`, mode 0600, and writes the pcap header.
    init(path: String, includeSecrets: Bool) throws(EmulatorError) {
        self.path = path
        self.includeSecrets = includeSecrets
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .system(operation: "open(\(path))", errno: errno) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var header: [UInt8] = []
        header.appendLittleEndian(UInt32(0xA1B2_C3D4))
        header.appendLittleEndian(UInt16(2))
        header.appendLittleEndian(UInt16(4))
        header.appendLittleEndian(UInt32(0))   // thiszone
        header.appendLittleEndian(UInt32(0))   // sigfigs
        header.appendLittleEndian(USBCapture.snapLength)
        header.appendLittleEndian(USBCapture.linkType)
        write(header)
    }

    func close() {
        try? handle.close()
    }

    // MARK: Transfers

    /// The synthetic enumeration at the start: GET_DESCRIPTOR device and configuration.
    func enumerate(devnum: UInt32, device: [UInt8], configuration: [UInt8]) {
        control(devnum: devnum, setup: [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, UInt8(device.count), 0x00], data: device, isIn: true)
        let total = UInt16(configuration.count)
        control(devnum: devnum, setup: [0x80, 0x06, 0x00, 0x02, 0x00, 0x00, UInt8(total & 0xFF), UInt8(total >> 8)],
                data: configuration, isIn: true)
    }

    /// A control transfer on endpoint 0 (IN: `data` is what the device answered; OUT: what the
    /// host sent).
    func control(devnum: UInt32, setup: [UInt8], data: [UInt8], isIn: Bool, status: Int32 = 0) {
        let id = takeID()
        let endpoint: UInt8 = isIn ? 0x80 : 0x00
        let requested = UInt32(setup.count == 8 ? Int(setup[6]) | Int(setup[7]) << 8 : data.count)
        record(id: id, type: "S", transfer: 2, endpoint: endpoint, devnum: devnum, setup: setup,
               length: requested, data: isIn ? [] : data, status: -115)
        record(id: id, type: "C", transfer: 2, endpoint: endpoint, devnum: devnum, setup: nil,
               length: UInt32(data.count), data: isIn ? data : [], status: status)
    }

    /// A bulk OUT transfer (a PC_to_RDR message), redacted unless secrets are included.
    func bulkOut(devnum: UInt32, endpoint: UInt8, data: [UInt8], tpdu: Bool) {
        let shown = includeSecrets ? data : redacted(data, devnum: devnum, tpdu: tpdu)
        let id = takeID()
        record(id: id, type: "S", transfer: 3, endpoint: endpoint, devnum: devnum, setup: nil,
               length: UInt32(shown.count), data: shown, status: -115)
        record(id: id, type: "C", transfer: 3, endpoint: endpoint, devnum: devnum, setup: nil,
               length: UInt32(shown.count), data: [], status: 0)
    }

    /// A completed IN transfer: bulk (3) or interrupt (1).
    func transferIn(devnum: UInt32, endpoint: UInt8, transfer: UInt8, requested: UInt32, data: [UInt8]) {
        let id = takeID()
        record(id: id, type: "S", transfer: transfer, endpoint: endpoint, devnum: devnum, setup: nil,
               length: requested, data: [], status: -115)
        record(id: id, type: "C", transfer: transfer, endpoint: endpoint, devnum: devnum, setup: nil,
               length: UInt32(data.count), data: data, status: 0)
    }

    // MARK: Redaction

    /// INS (and P2 for 87) of the commands whose data is a secret.
    static func carriesSecret(ins: UInt8, p2: UInt8) -> Bool {
        switch ins {
        case 0x20, 0x24, 0x2C, 0x01, 0x03, 0xA3: return true
        case 0x87: return p2 == 0x9B
        default: return false
        }
    }

    /// `message` with the command data of a PIN-carrying APDU overwritten with FF.
    func redacted(_ message: [UInt8], devnum: UInt32, tpdu: Bool) -> [UInt8] {
        // PC_to_RDR_XfrBlock: 6F, dwLength (LE), bSlot, bSeq, bBWI, wLevelParameter, abData.
        guard message.count > CCIDHeader.count, message[0] == 0x6F else { return message }
        var out = message
        let start = CCIDHeader.count
        if tpdu {
            redactBlock(&out, from: start, devnum: devnum)
        } else {
            USBCapture.redactAPDU(&out, from: start)
        }
        return out
    }

    /// The APDU at `start`: its data (after the 5- or 7-byte header) becomes FF.
    static func redactAPDU(_ bytes: inout [UInt8], from start: Int) {
        guard bytes.count >= start + 5, carriesSecret(ins: bytes[start + 1], p2: bytes[start + 3]) else { return }
        let dataStart = bytes[start + 4] == 0 && bytes.count >= start + 7 ? start + 7 : start + 5
        let count = bytes[start + 4] == 0 && bytes.count >= start + 7
            ? Int(bytes[start + 5]) << 8 | Int(bytes[start + 6]) : Int(bytes[start + 4])
        let end = min(bytes.count, dataStart + count)
        guard dataStart < end else { return }
        for index in dataStart..<end { bytes[index] = 0xFF }
    }

    /// A T=1 block at `start` (NAD, PCB, LEN, INF, LRC): an I-block starting a PIN-carrying
    /// command has its APDU data redacted, and so have the I-blocks chained after it; the LRC is
    /// computed again over the redacted block.
    private func redactBlock(_ bytes: inout [UInt8], from start: Int, devnum: UInt32) {
        guard bytes.count >= start + 4 else { return }
        let pcb = bytes[start + 1]
        guard pcb & 0x80 == 0 else { return }   // R- and S-blocks carry no APDU data
        let more = pcb & 0x20 != 0
        let infStart = start + 3
        let infEnd = min(bytes.count - 1, infStart + Int(bytes[start + 2]))
        let continuing = secretChain[devnum] ?? false
        var secret = continuing
        if continuing {
            for index in infStart..<max(infStart, infEnd) { bytes[index] = 0xFF }
        } else if infEnd - infStart >= 4, USBCapture.carriesSecret(ins: bytes[infStart + 1], p2: bytes[infStart + 3]) {
            secret = true
            var apdu = Array(bytes[infStart..<infEnd])
            if apdu.count > 5 {
                let dataStart = apdu[4] == 0 && apdu.count >= 7 ? 7 : 5
                for index in dataStart..<apdu.count { apdu[index] = 0xFF }
            }
            bytes.replaceSubrange(infStart..<infEnd, with: apdu)
        }
        secretChain[devnum] = secret && more
        if secret { bytes[infEnd] = T1Block.lrc(bytes[start..<infEnd]) }
    }

    // MARK: Records

    private func takeID() -> UInt64 {
        defer { nextID += 1 }
        return 0xFFFF_8800_0000_0000 | nextID << 8
    }

    /// One usbmon record: the pcap record header, the 64-byte `usbmon_packet`, the data.
    private func record(id: UInt64, type: Character, transfer: UInt8, endpoint: UInt8, devnum: UInt32, setup: [UInt8]?,
                        length: UInt32, data: [UInt8], status: Int32) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var packet: [UInt8] = []
        packet.reserveCapacity(64 + data.count)
        packet.appendLittleEndian(id)
        packet.append(type.asciiValue ?? 0x53)
        packet.append(transfer)
        packet.append(endpoint)
        packet.append(UInt8(truncatingIfNeeded: devnum))
        packet.appendLittleEndian(UInt16(1))                                    // busnum
        packet.append(setup == nil ? 0x2D : 0)                                  // flag_setup: '-' or 0
        packet.append(data.isEmpty ? (endpoint & 0x80 != 0 ? 0x3C : 0x3E) : 0)  // flag_data: '<' / '>' or 0
        packet.appendLittleEndian(UInt64(bitPattern: Int64(now.tv_sec)))
        packet.appendLittleEndian(UInt32(truncatingIfNeeded: now.tv_nsec / 1000))
        packet.appendLittleEndian(UInt32(bitPattern: status))
        packet.appendLittleEndian(length)
        packet.appendLittleEndian(UInt32(data.count))                           // len_cap
        packet += setup ?? [UInt8](repeating: 0, count: 8)
        packet.appendLittleEndian(UInt32(transfer == 1 ? 1 : 0))                // interval
        packet.appendLittleEndian(UInt32(0))                                    // start_frame
        packet.appendLittleEndian(UInt32(0))                                    // xfer_flags
        packet.appendLittleEndian(UInt32(0))                                    // ndesc
        packet += data
        var header: [UInt8] = []
        header.appendLittleEndian(UInt32(truncatingIfNeeded: now.tv_sec))
        header.appendLittleEndian(UInt32(truncatingIfNeeded: now.tv_nsec / 1000))
        header.appendLittleEndian(UInt32(packet.count))
        header.appendLittleEndian(UInt32(packet.count))
        write(header + packet)
    }

    private func write(_ bytes: [UInt8]) {
        try? handle.write(contentsOf: Data(bytes))
    }
}

private extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}
