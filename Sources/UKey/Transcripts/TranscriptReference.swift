import ISO7816

/// One `${…}` in a transcript: a variable name and the functions applied to its value, written
/// as prefixes and applied right to left — `${len:ascii:PIN}` is `len(ascii(PIN))`.
///
///     reference = "${" *(function ":") name "}"
///     function  = "ascii" / "len"
///     name      = (ALPHA / "_") *(ALPHA / DIGIT / "_" / "-" / ".")
///
/// The name is looked up among the captures first, then in the environment.
public struct TranscriptReference: Hashable, Sendable, CustomStringConvertible {
    /// A value transformation.
    public enum Function: String, Hashable, Sendable, CaseIterable {
        /// The hex of the value's UTF-8 bytes: `${ascii:PIN}` with PIN 1234 is `31323334`.
        case ascii
        /// One hex byte, the byte length of the (hex) value: `${len:ascii:PIN}` is `04`.
        case len
    }

    public var name: String
    /// The functions as written, outermost first.
    public var functions: [Function]

    public init(name: String, functions: [Function] = []) {
        self.name = name
        self.functions = functions
    }

    /// Parses the text between `${` and `}`.
    public init(parsing text: some StringProtocol) throws(TranscriptSyntaxError) {
        let parts = String(text).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let name = parts[parts.count - 1]
        guard Self.isValidName(name) else { throw TranscriptSyntaxError("\"${\(text)}\" does not end in a variable name") }
        var functions: [Function] = []
        for part in parts.dropLast() {
            guard let function = Function(rawValue: part) else {
                throw TranscriptSyntaxError("unknown function \"\(part)\" in \"${\(text)}\" (known: ascii, len)")
            }
            functions.append(function)
        }
        self.init(name: name, functions: functions)
    }

    public var description: String {
        "${" + functions.map { $0.rawValue + ":" }.joined() + name + "}"
    }

    /// Whether `name` can name a variable or a capture.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
    }

    /// The value after the functions, looking the name up with `lookup`. Errors name the
    /// variable, never its value.
    public func evaluate(_ lookup: (String) -> String?) throws(TranscriptSyntaxError) -> String {
        guard var value = lookup(name) else {
            throw TranscriptSyntaxError("unknown variable \(description): neither a capture nor in the environment")
        }
        for function in functions.reversed() {
            switch function {
            case .ascii:
                value = Array(value.utf8).hexString
            case .len:
                guard let bytes = [UInt8](hex: value) else {
                    throw TranscriptSyntaxError("len: the value inside \(description) is not hex")
                }
                guard bytes.count <= 255 else {
                    throw TranscriptSyntaxError("len: the value inside \(description) has \(bytes.count) bytes, more than one length byte holds")
                }
                value = hexByte(UInt8(bytes.count))
            }
        }
        return value
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
