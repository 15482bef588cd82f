import ISO7816

/// The short-APDU path for a connection that cannot carry extended APDUs (T=0: ISO/IEC 7816-3
/// §12.2 has no extended TPDU, and a T=0 reader refuses them): an extended command goes out as
/// short APDUs — its data as a command chain of 255-byte parts (CLA bit 0x10 on all but the
/// last), the last part with Le 00 (or Ne when below 256) — and the response comes back whole
/// through GET RESPONSE while the card announces more with 61xx, up to Ne. The card joins the
/// chain and answers as it would the extended command (docs/ARCHITECTURE.md "The card OS").
///
/// A short command's `6Cxx` (wrong Le: a T=0 card behind a reader that passes procedure bytes
/// up, as stock libccid does) is answered by sending it again with Le = xx.
enum ShortAPDUs {
    /// `command` over `channel`, the short way when the channel cannot carry it as it is.
    static func transmit(_ command: [UInt8], over channel: any CardChannel) async throws(TokenError) -> [UInt8] {
        guard !channel.carriesExtendedAPDUs, let apdu = try? CommandAPDU(parsing: command), apdu.isExtended else {
            return try await retryingWrongLe(command, over: channel)
        }
        let ne = apdu.ne
        var parts: [[UInt8]] = []
        var offset = 0
        repeat {
            let end = min(offset + 255, apdu.data.count)
            let isLast = end == apdu.data.count
            var part = [isLast ? apdu.cla : apdu.cla | 0x10, apdu.ins, apdu.p1, apdu.p2]
            if end > offset { part += [UInt8(end - offset)] + apdu.data[offset..<end] }
            if isLast, let ne { part.append(ne >= 256 ? 0x00 : UInt8(ne)) }
            parts.append(part)
            offset = end
        } while offset < apdu.data.count
        var response: [UInt8] = []
        for var part in parts {
            defer { part.cleanse() }
            response = try await retryingWrongLe(part, over: channel)
            guard response.count >= 2 else { return response }
            let sw1 = response[response.count - 2]
            guard (sw1 == 0x90 && response[response.count - 1] == 0x00) || sw1 == 0x61 else { return response }
        }
        guard let ne else { return response }
        var data = Array(response.dropLast(2))
        var status = Array(response.suffix(2))
        var rounds = 0
        while status[0] == 0x61, data.count < ne {
            rounds += 1
            guard rounds <= 300 else { throw .malformedResponse("the card keeps announcing more data (61xx)") }
            let available = status[1] == 0 ? 256 : Int(status[1])
            let le = min(available, ne - data.count)
            let next = try await retryingWrongLe([apdu.cla & 0x03, 0xC0, 0x00, 0x00, UInt8(truncatingIfNeeded: le)], over: channel)
            guard next.count >= 2 else { throw .malformedResponse("a response of \(next.count) bytes has no status word") }
            data += next.dropLast(2)
            status = Array(next.suffix(2))
        }
        return data + status
    }

    /// Sends `command`; on `6Cxx` to a short command with Le, once more with Le = xx.
    private static func retryingWrongLe(_ command: [UInt8], over channel: any CardChannel) async throws(TokenError) -> [UInt8] {
        let response = try await channel.transmit(command)
        guard response.count == 2, response[0] == 0x6C, let apdu = try? CommandAPDU(parsing: command),
              !apdu.isExtended, apdu.ne != nil else { return response }
        var again = command
        defer { again.cleanse() }
        again[again.count - 1] = response[1]
        return try await channel.transmit(again)
    }
}
