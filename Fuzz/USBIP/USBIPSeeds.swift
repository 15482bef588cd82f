import USBIP

/// Both sides of a real connection, built with the USBIP types: the client's devlist and import
/// requests and its URBs, the server's replies; the mode byte in front picks the cutting.
var usbipSeeds: [String: [UInt8]] {
    let device = USBIPUSBDevice(path: "/sys/devices/ukey/1-1", busid: "1-1", busnum: 1, devnum: 2, speed: .full,
                                idVendor: 0x1209, idProduct: 0x0001, bcdDevice: 0x0100, bDeviceClass: 0,
                                bDeviceSubClass: 0, bDeviceProtocol: 0, bConfigurationValue: 1,
                                bNumConfigurations: 1, bNumInterfaces: 1)
    let exported = USBIPExportedDevice(device: device, interfaces: [USBIPUSBInterface(bInterfaceClass: 0x0B)])
    let powerOn: [UInt8] = [0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    let submits = USBIPStreamRun.submits
    let clientStream = USBIPDevlistRequest().bytes + USBIPImportRequest(busid: "1-1").bytes
        + submits.flatMap { $0.bytes }
        + USBIPCmdSubmit.out(seqnum: 5, devid: 0x10002, ep: 1, data: powerOn).bytes
        + USBIPCmdUnlink(seqnum: 6, devid: 0x10002, unlinkSeqnum: 1).bytes
    let atrBlock: [UInt8] = [0x80, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00,
                             0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]
    let serverURBs = USBIPRetSubmit.out(seqnum: 2, actualLength: 10).bytes
        + USBIPRetSubmit.in(seqnum: 1, data: atrBlock).bytes
        + USBIPRetUnlink(seqnum: 4, status: 0).bytes
        + USBIPRetSubmit.in(seqnum: 3, data: [18, 1, 0, 2, 0, 0, 0, 64, 0x09, 0x12, 1, 0, 0, 1, 1, 2, 3, 1]).bytes
    let isochronous = USBIPCmdSubmit(seqnum: 7, devid: 0x10002, direction: .out, ep: 1, transferBufferLength: 4,
                                     numberOfPackets: 2, transferBuffer: [1, 2, 3, 4],
                                     isoPacketDescriptors: [USBIPISOPacketDescriptor(offset: 0, length: 2),
                                                            USBIPISOPacketDescriptor(offset: 2, length: 2)])
    return [
        "client_stream_whole": [0x05] + clientStream,
        "client_stream_bytewise": [0x00] + clientStream,
        "client_stream_packets": [0x03] + clientStream,
        "server_urbs": [0x05] + serverURBs,
        "server_urbs_cut": [0x02] + serverURBs,
        "server_import_then_urbs": [0x15] + USBIPImportReply(device: device).bytes + serverURBs,
        "server_devlist": [0x11] + USBIPDevlistReply(devices: [exported]).bytes,
        "server_import_refused": [0x11] + USBIPImportReply(failure: .deviceBusy).bytes,
        "ret_submit_in_alone": [0x0D] + USBIPRetSubmit.in(seqnum: 9, data: [0x90, 0x00]).bytes,
        "cmd_submit_iso_urb": [0x05] + isochronous.bytes,
    ]
}
