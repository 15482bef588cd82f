/// A transfer field that breaks the rules of docs/ARCHITECTURE.md ("Transfer fields"): which
/// field, and why. The card answers 6A80 for any of them; the bank reports the description.
/// Field text is not secret, but the description names scalars only as `U+XXXX`, so a refused
/// control or bidi character never reaches a terminal.
public struct TransferFieldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field of CONFIRM TRANSFER's `70` object, by its tag.
    public enum Field: UInt8, Hashable, Sendable {
        case payeeAccount = 0x80
        case payeeName = 0x81
        case amount = 0x82
        case currency = 0x83
        case reference = 0x84
        case challenge = 0x85

        /// The field's name in messages: "payee account", "payee name", …
        public var name: String {
            switch self {
            case .payeeAccount: return "payee account"
            case .payeeName: return "payee name"
            case .amount: return "amount"
            case .currency: return "currency"
            case .reference: return "reference"
            case .challenge: return "challenge"
            }
        }
    }

    /// What is wrong with the field.
    public enum Reason: Hashable, Sendable {
        /// Not strict UTF-8 (RFC 3629).
        case malformedUTF8
        /// Outside `minimum...maximum` Unicode scalars (text) or bytes (challenge).
        case length(minimum: Int, maximum: Int)
        /// A scalar whose class (``ScalarClass``) no name or reference may contain.
        case notAllowed(Unicode.Scalar, ScalarClass)
        /// An account scalar other than 0–9 and A–Z.
        case notAccountCharacter(Unicode.Scalar)
        case leadingSpace
        case trailingSpace
        case repeatedSpace
        /// A combining mark that does not follow a letter.
        case markWithoutLetter(Unicode.Scalar)
        /// A second combining mark on one letter.
        case secondMark(Unicode.Scalar)
        /// Two adjacent scalars that NFC composes into one: the text is not NFC.
        case composes(Unicode.Scalar, Unicode.Scalar)
        /// Not `(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?`, or zero.
        case notAnAmount
        /// Not three capitals A–Z.
        case notACurrency
    }

    public var field: Field
    public var reason: Reason

    public init(field: Field, reason: Reason) {
        self.field = field
        self.reason = reason
    }

    /// `payee name: U+034F is not allowed (default-ignorable)`.
    public var description: String {
        field.name + ": " + reasonText
    }

    private var reasonText: String {
        let unit = field == .challenge ? " bytes" : " scalars"
        switch reason {
        case .malformedUTF8:
            return "not well-formed UTF-8"
        case .length(let minimum, let maximum):
            return "must have " + String(minimum) + "–" + String(maximum) + unit
        case .notAllowed(let scalar, let scalarClass):
            return Self.code(scalar) + " is not allowed (" + scalarClass.refusal + ")"
        case .notAccountCharacter(let scalar):
            return Self.code(scalar) + " is not allowed (only 0–9 and A–Z)"
        case .leadingSpace:
            return "starts with a space"
        case .trailingSpace:
            return "ends with a space"
        case .repeatedSpace:
            return "has two spaces in a row"
        case .markWithoutLetter(let scalar):
            return "combining mark " + Self.code(scalar) + " does not follow a letter"
        case .secondMark(let scalar):
            return Self.code(scalar) + " is a second combining mark on one letter"
        case .composes(let first, let second):
            return "not NFC (" + Self.code(first) + " " + Self.code(second) + " compose into one scalar)"
        case .notAnAmount:
            return "not (0|[1-9][0-9]{0,14})(.[0-9]{1,3}) above zero"
        case .notACurrency:
            return "not three capitals A–Z"
        }
    }

    /// `U+` and at least four upper-case hex digits.
    static func code(_ scalar: Unicode.Scalar) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
        var value = scalar.value
        var hex = ""
        repeat {
            hex = String(digits[Int(value & 0xF)]) + hex
            value >>= 4
        } while value != 0
        while hex.utf8.count < 4 { hex = "0" + hex }
        return "U+" + hex
    }
}
