/// A one-byte control payload from vpcd to the card (vsmartcard `vpcd.h`: `VPCD_CTRL_OFF`,
/// `VPCD_CTRL_ON`, `VPCD_CTRL_RESET`, `VPCD_CTRL_ATR`). Only ``getATR`` has a reply: the ATR.
public enum VPCDControl: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// `VPCD_CTRL_OFF`: power the card down.
    case powerOff = 0x00
    /// `VPCD_CTRL_ON`: power the card up.
    case powerOn = 0x01
    /// `VPCD_CTRL_RESET`: warm reset.
    case reset = 0x02
    /// `VPCD_CTRL_ATR`: send the ATR.
    case getATR = 0x04

    public var description: String {
        switch self {
        case .powerOff: return "power off"
        case .powerOn: return "power on"
        case .reset: return "reset"
        case .getATR: return "get ATR"
        }
    }
}
