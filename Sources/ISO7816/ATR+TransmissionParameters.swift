/// The tables that turn the indices FI and DI of TA1 into numbers (ISO/IEC 7816-3 §8.3,
/// tables 7 and 8). The elementary time unit is 1 etu = (Fi / Di) × (1 / f).
extension ATR {
    /// Fd, the default clock rate conversion factor, used when TA1 is absent.
    public static let defaultFi = 372
    /// Dd, the default baud rate adjustment factor, used when TA1 is absent.
    public static let defaultDi = 1

    /// Fi, the clock rate conversion factor, and f(max) in kHz for the index FI (table 7);
    /// `nil` for the RFU values 7, 8, E and F.
    public static func clockRateConversion(fi index: UInt8) -> (fi: Int, fMaxKHz: Int)? {
        switch index {
        case 0x0: return (372, 4_000)
        case 0x1: return (372, 5_000)
        case 0x2: return (558, 6_000)
        case 0x3: return (744, 8_000)
        case 0x4: return (1_116, 12_000)
        case 0x5: return (1_488, 16_000)
        case 0x6: return (1_860, 20_000)
        case 0x9: return (512, 5_000)
        case 0xA: return (768, 7_500)
        case 0xB: return (1_024, 10_000)
        case 0xC: return (1_536, 15_000)
        case 0xD: return (2_048, 20_000)
        default: return nil
        }
    }

    /// Di, the baud rate adjustment factor for the index DI (table 8); `nil` for the RFU values
    /// 0 and A–F.
    public static func baudRateAdjustment(di index: UInt8) -> Int? {
        switch index {
        case 0x1: return 1
        case 0x2: return 2
        case 0x3: return 4
        case 0x4: return 8
        case 0x5: return 16
        case 0x6: return 32
        case 0x7: return 64
        case 0x8: return 12
        case 0x9: return 20
        default: return nil
        }
    }
}
