/// Bounds a peer cannot push a parser past: every length a USB/IP header announces is
/// checked against them before anything is allocated or awaited.
public struct USBIPLimits: Hashable, Sendable {
    /// The largest transfer_buffer_length (CMD_SUBMIT) or actual_length (RET_SUBMIT).
    public var maxTransferBufferLength: UInt32
    /// The largest number_of_packets (ISO); 0xFFFFFFFF ("not ISO") is always accepted.
    public var maxNumberOfPackets: UInt32
    /// The most devices an OP_REP_DEVLIST may announce.
    public var maxDevices: UInt32
    /// The most CMD_SUBMITs a client decoder tracks at once.
    public var maxPendingSubmits: Int
    /// The most bytes a stream decoder holds.
    public var bufferCapacity: Int

    /// - Parameters:
    ///   - bufferCapacity: by default, room for the largest message allowed plus 64 KiB.
    public init(maxTransferBufferLength: UInt32 = 1 << 20, maxNumberOfPackets: UInt32 = 1024,
                maxDevices: UInt32 = 256, maxPendingSubmits: Int = 1024, bufferCapacity: Int? = nil) {
        self.maxTransferBufferLength = maxTransferBufferLength
        self.maxNumberOfPackets = maxNumberOfPackets
        self.maxDevices = maxDevices
        self.maxPendingSubmits = maxPendingSubmits
        let largestSubmit = USBIPHeaderBasic.urbHeaderCount + Int(maxTransferBufferLength)
            + Int(maxNumberOfPackets) * USBIPISOPacketDescriptor.count
        let largestDevlist = 12 + Int(maxDevices) * (USBIPUSBDevice.count + 255 * USBIPUSBInterface.count)
        self.bufferCapacity = bufferCapacity ?? (max(largestSubmit, largestDevlist) + 65_536)
    }
}
