/// NVM records that belong to the card as a whole rather than to one applet.
public enum CardRecords {
    /// The token serial: 8 bytes, written once at manufacture (also the USB serial number).
    public static let serial: RecordID = 0x0001
}
