import ISO7816

/// One command and its response as a transcript run shows them, with secrets already removed:
/// the data field of VERIFY (INS 20), CHANGE REFERENCE DATA (24) and RESET RETRY COUNTER (2C)
/// — PINs and PUKs — is shown as `••••`, its length hidden too.
public struct TranscriptExchange: Hashable, Sendable, CustomStringConvertible {
    /// The line of the `>` command.
    public var line: Int
    /// The command in hex, fields separated (`00A40400 06 F0554B455901 00`), secrets redacted.
    public var command: String
    /// Whether `command` hides a data field.
    public var isRedacted: Bool
    public var response: ResponseAPDU
    /// Whether the response's data is secret (``APDUTrace/hidesResponse(_:)``: OATH codes and
    /// proofs, 9B steps): ``responseText`` and printed transcripts show `••••` for it.
    public var hidesResponse: Bool

    /// Records an exchange; `command` is redacted here and not kept.
    public init(line: Int, command: [UInt8], response: ResponseAPDU) {
        self.line = line
        (self.command, isRedacted) = Self.display(command: command)
        self.response = response
        hidesResponse = APDUTrace.hidesResponse(command)
    }

    /// The response data as printed: hex, or `••••` when ``hidesResponse``.
    public var responseDataText: String {
        response.data.isEmpty ? "" : hidesResponse ? "••••" : response.data.hexString
    }


    /// The command as hex with its fields apart, and whether a secret was hidden.
    public static func display(command bytes: [UInt8]) -> (text: String, redacted: Bool) {
        guard bytes.count > 4 else { return (bytes.hexString, false) }
        let header = bytes[..<4].hexString
        if APDUTrace.isSecret(bytes) { return ("\(header) ••••", true) }
        guard let apdu = try? CommandAPDU(parsing: bytes) else { return ("\(header) \(bytes[4...].hexString)", false) }
        var parts = [header]
        var lengthBytes = bytes.count - 4 - apdu.data.count
        if !apdu.data.isEmpty {
            let lc = apdu.isExtended ? 3 : 1
            parts.append(bytes[4..<4 + lc].hexString)
            parts.append(apdu.data.hexString)
            lengthBytes -= lc
        }
        if lengthBytes > 0 { parts.append(bytes[(bytes.count - lengthBytes)...].hexString) }
        return (parts.joined(separator: " "), false)
    }

    /// The response as `DATA SW` in hex.
    public var responseText: String {
        let sw = hexWord(response.statusWord.rawValue)
        return response.data.isEmpty ? sw : "\(responseDataText) \(sw)"
    }

    /// `> command` and `< response` on two lines.
    public var description: String {
        "> \(command)\n< \(responseText)"
    }
}
