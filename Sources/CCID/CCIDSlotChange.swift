/// bmSlotICCState of RDR_to_PC_NotifySlotChange (CCID rev 1.1 §6.3.1): two bits per slot,
/// slot 0 in bits 0–1 of the first byte, slot 1 in bits 2–3, …
///
///     bit 2n      the slot's current state: 1 an ICC is present, 0 no ICC
///     bit 2n + 1  1 the state changed since the last message
public struct CCIDSlotChange: Hashable, Sendable {
    /// The raw bytes, ⌈slots × 2 / 8⌉ of them (unused bit pairs are 0).
    public var bmSlotICCState: [UInt8]

    public init(bmSlotICCState: [UInt8]) {
        self.bmSlotICCState = bmSlotICCState
    }

    /// Bit pairs for `slotCount` slots, all absent and unchanged (at least one byte).
    public init(slotCount: Int) {
        bmSlotICCState = [UInt8](repeating: 0, count: max(1, (slotCount * 2 + 7) / 8))
    }

    /// The number of slots the bytes can describe.
    public var slotCapacity: Int { bmSlotICCState.count * 4 }

    /// Whether an ICC is present in `slot` (`false` past the end).
    public func isPresent(slot: Int) -> Bool { bit(2 * slot) }

    /// Whether `slot` changed state (`false` past the end).
    public func hasChanged(slot: Int) -> Bool { bit(2 * slot + 1) }

    /// Sets the bit pair of `slot`, growing the bytes if needed.
    public mutating func set(slot: Int, present: Bool, changed: Bool) {
        guard slot >= 0 else { return }
        while bmSlotICCState.count <= slot / 4 { bmSlotICCState.append(0) }
        let shift = UInt8(2 * (slot % 4))
        var byte = bmSlotICCState[slot / 4] & ~(0x03 << shift)
        byte |= (present ? 1 : 0) << shift
        byte |= (changed ? 2 : 0) << shift
        bmSlotICCState[slot / 4] = byte
    }

    private func bit(_ index: Int) -> Bool {
        guard index >= 0, index / 8 < bmSlotICCState.count else { return false }
        return bmSlotICCState[index / 8] >> UInt8(index % 8) & 1 == 1
    }
}
