/// The meaning of every byte of an ATR, in the terms of ISO/IEC 7816-3 §8 and 7816-4 §8.1.1
/// (historical bytes): what `ukey atr` prints.
extension ATR {
    /// One entry per byte of `bytes`, in order: TS, T0, the interface bytes, the historical
    /// bytes, TCK.
    public var explanation: [ATRByteExplanation] {
        var rows: [ATRByteExplanation] = []
        func add(_ field: ATRField, _ byte: UInt8, _ meaning: String) {
            rows.append(ATRByteExplanation(offset: rows.count, byte: byte, field: field, meaning: meaning))
        }

        add(.ts, ts, convention == .direct ? "direct convention" : "inverse convention")
        add(.t0, t0, "Y1=" + hexDigit(y1) + ": " + ATR.following(y1, index: 1) + "; K=\(k) historical "
            + (k == 1 ? "byte" : "bytes"))

        var seen = SeenSpecificBytes()
        for group in interfaceBytes {
            let i = group.index
            if let ta = group.ta { add(.ta(i), ta, ATR.meaningOfTA(ta, group, &seen)) }
            if let tb = group.tb { add(.tb(i), tb, ATR.meaningOfTB(tb, group, &seen)) }
            if let tc = group.tc { add(.tc(i), tc, ATR.meaningOfTC(tc, group, &seen)) }
            if let td = group.td { add(.td(i), td, ATR.meaningOfTD(td, index: i)) }
        }

        let historical = HistoricalBytesExplanation.meanings(of: historicalBytes)
        for (n, byte) in historicalBytes.enumerated() {
            add(.historicalByte(n + 1), byte, historical[n])
        }
        if let tck { add(.tck, tck, "check byte: T0 XOR … XOR TCK = 00") }
        return rows
    }

    /// Which first TA/TB/TC for T=1 and T=15 have been explained already: only the first one of
    /// each carries IFSC, BWI/CWI, the error detection code, the clock stop / class and SPU.
    private struct SeenSpecificBytes {
        var t1TA = false, t1TB = false, t1TC = false, t15TA = false, t15TB = false
    }

    /// "TA2, TB2 and TD2 follow" for the bits of Y (bit 1 TA … bit 4 TD) of group `index`.
    static func following(_ y: UInt8, index: Int) -> String {
        var names: [String] = []
        if y & 0x1 != 0 { names.append("TA\(index)") }
        if y & 0x2 != 0 { names.append("TB\(index)") }
        if y & 0x4 != 0 { names.append("TC\(index)") }
        if y & 0x8 != 0 { names.append("TD\(index)") }
        switch names.count {
        case 0: return "no interface bytes follow"
        case 1: return names[0] + " follows"
        default:
            var text = names[0]
            for name in names[1..<names.count - 1] { text += ", " + name }
            return text + " and " + names[names.count - 1] + " follow"
        }
    }

    /// TDi: the protocol type T and what follows (§8.2.3).
    static func meaningOfTD(_ td: UInt8, index: Int) -> String {
        let t = td & 0x0F
        let next = td >> 4
        let protocolText: String
        switch t {
        case 0, 1: protocolText = "T=\(t) offered"
        case 14: protocolText = "T=14 offered (not defined by ISO)"
        case 15: protocolText = "T=15: global interface bytes" + (index == 1 ? " (invalid in TD1)" : "")
        default: protocolText = "T=\(t) offered (RFU)"
        }
        let rest = next == 0 ? "no further interface bytes" : following(next, index: index + 1)
        return protocolText + ", " + rest
    }

    private static func meaningOfTA(_ ta: UInt8, _ group: ATRInterfaceBytes,
                                    _ seen: inout SeenSpecificBytes) -> String {
        switch (group.index, group.qualifier) {
        case (1, _):
            let fiIndex = ta >> 4, diIndex = ta & 0x0F
            var text = "FI=" + hexDigit(fiIndex) + ", DI=" + hexDigit(diIndex) + ": "
            if let (fi, fMax) = clockRateConversion(fi: fiIndex) {
                text += "Fi=\(fi), f max " + megahertz(fMax) + ", "
            } else {
                text += "Fi RFU, "
            }
            if let di = baudRateAdjustment(di: diIndex) { text += "Di=\(di)" } else { text += "Di RFU" }
            return text
        case (2, _):
            return "specific mode, T=\(ta & 0x0F); "
                + (ta & 0x80 != 0 ? "cannot change to negotiable mode" : "can change to negotiable mode")
                + "; " + (ta & 0x10 != 0 ? "implicit Fi/Di" : "Fi/Di from TA1")
        case (_, 1) where !seen.t1TA:
            seen.t1TA = true
            return "IFSC \(ta)" + (ta == 0x00 || ta == 0xFF ? " (RFU)" : "")
        case (_, 15) where !seen.t15TA:
            seen.t15TA = true
            return clockStopAndClass(ta)
        default:
            return specificTo(group)
        }
    }

    private static func meaningOfTB(_ tb: UInt8, _ group: ATRInterfaceBytes,
                                    _ seen: inout SeenSpecificBytes) -> String {
        switch (group.index, group.qualifier) {
        case (1, _): return "VPP programming (PI1, II): deprecated, ignored"
        case (2, _): return "VPP programming (PI2): deprecated, ignored"
        case (_, 1) where !seen.t1TB:
            seen.t1TB = true
            return "BWI=\(tb >> 4), CWI=\(tb & 0x0F)"
        case (_, 15) where !seen.t15TB:
            seen.t15TB = true
            return tb == 0 ? "SPU: not used" : "SPU " + hexByte(tb) + (tb & 0x80 != 0 ? ": proprietary use" : ": standard use")
        default:
            return specificTo(group)
        }
    }

    private static func meaningOfTC(_ tc: UInt8, _ group: ATRInterfaceBytes,
                                    _ seen: inout SeenSpecificBytes) -> String {
        switch (group.index, group.qualifier) {
        case (1, _):
            return tc == 0xFF ? "N=255: minimum guard time" : "extra guard time N=\(tc) etu"
        case (2, _):
            return "WI=\(tc): T=0 waiting time integer" + (tc == 0 ? " (RFU)" : "")
        case (_, 1) where !seen.t1TC:
            seen.t1TC = true
            return "error detection code: " + (tc & 0x01 != 0 ? "CRC" : "LRC")
        default:
            return specificTo(group)
        }
    }

    /// The first TAi for T=15 (§8.3): clock stop indicator X (bits 8–7) and class indicator Y (bits 6–1).
    private static func clockStopAndClass(_ ta: UInt8) -> String {
        let clockStop: String
        switch ta >> 6 {
        case 0: clockStop = "clock stop not supported"
        case 1: clockStop = "clock stop in state L"
        case 2: clockStop = "clock stop in state H"
        default: clockStop = "clock stop, no preference"
        }
        var classes: [String] = []
        if ta & 0x01 != 0 { classes.append("A (5 V)") }
        if ta & 0x02 != 0 { classes.append("B (3 V)") }
        if ta & 0x04 != 0 { classes.append("C (1.8 V)") }
        var classText = classes.isEmpty ? "no class indicated" : "class"
        for (n, name) in classes.enumerated() { classText += (n == 0 ? " " : ", ") + name }
        return clockStop + "; " + classText
    }

    private static func specificTo(_ group: ATRInterfaceBytes) -> String {
        guard let t = group.qualifier else { return "global interface byte" }
        return t == 15 ? "global interface byte" : "specific to T=\(t)"
    }

    /// "5 MHz", "7.5 MHz".
    private static func megahertz(_ kHz: Int) -> String {
        let tenths = kHz / 100 % 10
        return "\(kHz / 1000)" + (tenths == 0 ? "" : ".\(tenths)") + " MHz"
    }
}

/// One upper-case hex digit for a nibble.
func hexDigit(_ nibble: UInt8) -> String {
    let text = hexByte(nibble & 0x0F)
    return String(text[text.index(after: text.startIndex)])
}
