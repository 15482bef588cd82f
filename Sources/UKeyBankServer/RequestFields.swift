import BankingProtocol
import Foundation
import ISO7816
import UKey
import UKeyBank

/// A JSON value as the client sent it, so that each field's presence and type are checked here
/// with the field's name, before the library's decoders see the body.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let value = try? c.decode(Bool.self) { self = .bool(value) }
        else if let value = try? c.decode(Double.self) { self = .number(value) }
        else if let value = try? c.decode(String.self) { self = .string(value) }
        else if let value = try? c.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// The fields of one JSON object body, read with the field's name in every refusal.
struct RequestFields {
    let object: [String: JSONValue]
    /// The prefix of the names in refusals (`transfer.` for the nested transfer).
    let prefix: String

    /// The body as one JSON object; anything else is a 400 on `body`.
    init(body: [UInt8]) throws(BankAPIError) {
        guard !body.isEmpty else { throw .badRequest("the request body is empty (a JSON object is expected)", field: "body") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw .badRequest("the request body is not JSON", field: "body")
        }
        guard case .object(let object) = value else { throw .badRequest("the request body is \(value.kind), not a JSON object", field: "body") }
        self.init(object: object, prefix: "")
    }

    init(object: [String: JSONValue], prefix: String) {
        self.object = object
        self.prefix = prefix
    }

    func name(_ key: String) -> String { prefix + key }

    /// Refuses keys outside `known`, so that a misspelt optional field is not silently ignored.
    func onlyKeys(_ known: Set<String>) throws(BankAPIError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badRequest("unknown field \(name(unknown))", field: name(unknown))
        }
    }

    func string(_ key: String) throws(BankAPIError) -> String {
        guard let text = try optionalString(key) else { throw .badRequest("\(name(key)) is missing", field: name(key)) }
        return text
    }

    func optionalString(_ key: String) throws(BankAPIError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw .badRequest("\(name(key)) is \(other.kind), not a string", field: name(key))
        }
    }

    func hex(_ key: String) throws(BankAPIError) -> [UInt8] {
        guard let bytes = try optionalHex(key) else { throw .badRequest("\(name(key)) is missing", field: name(key)) }
        return bytes
    }

    func optionalHex(_ key: String) throws(BankAPIError) -> [UInt8]? {
        guard let text = try optionalString(key) else { return nil }
        guard !text.isEmpty, let bytes = [UInt8](hex: text) else { throw .badRequest("\(name(key)) is not hex", field: name(key)) }
        return bytes
    }

    func counter(_ key: String) throws(BankAPIError) -> UInt32 {
        switch object[key] {
        case nil, .null?: throw .badRequest("\(name(key)) is missing", field: name(key))
        case .number(let value)?:
            guard value >= 0, value <= Double(UInt32.max), value.rounded() == value else {
                throw .badRequest("\(name(key)) is not an integer 0…\(UInt32.max)", field: name(key))
            }
            return UInt32(value)
        case let other?: throw .badRequest("\(name(key)) is \(other.kind), not a number", field: name(key))
        }
    }

    func nested(_ key: String) throws(BankAPIError) -> RequestFields {
        switch object[key] {
        case nil, .null?: throw .badRequest("\(name(key)) is missing", field: name(key))
        case .object(let inner)?: return RequestFields(object: inner, prefix: name(key) + ".")
        case let other?: throw .badRequest("\(name(key)) is \(other.kind), not an object", field: name(key))
        }
    }

    /// A ``Transfer`` from `payeeAccount`, `payeeName`, `amount`, `currency` (default CNY, as the
    /// CLI) and `reference`, each checked by the card's rules (``TransferFieldRules``) here, so a
    /// refusal names the field.
    func transfer() throws(BankAPIError) -> Transfer {
        let transfer = Transfer(payeeAccount: try string("payeeAccount"), payeeName: try string("payeeName"),
                                amount: try string("amount"), currency: try optionalString("currency") ?? "CNY",
                                reference: try optionalString("reference"))
        do throws(TransferFieldError) {
            _ = try TransferFieldRules.payeeAccount(Array(transfer.payeeAccount.utf8))
            _ = try TransferFieldRules.payeeName(Array(transfer.payeeName.utf8))
            _ = try TransferFieldRules.amount(Array(transfer.amount.utf8))
            _ = try TransferFieldRules.currency(Array(transfer.currency.utf8))
            if let reference = transfer.reference { _ = try TransferFieldRules.reference(Array(reference.utf8)) }
        } catch {
            throw BankAPIError(.unprocessableContent, error.description, field: name(Self.key(of: error.field)))
        }
        return transfer
    }

    /// The JSON key of a CONFIRM TRANSFER field.
    static func key(of field: TransferFieldError.Field) -> String {
        switch field {
        case .payeeAccount: return "payeeAccount"
        case .payeeName: return "payeeName"
        case .amount: return "amount"
        case .currency: return "currency"
        case .reference: return "reference"
        case .challenge: return "challenge"
        }
    }
}

/// The JSON key of the transfer field a policy refusal is about.
func policyField(_ rejection: TransferRejection) -> String? {
    switch rejection {
    case .currencyNotAllowed: return "currency"
    case .tooManyMinorDigits, .overTransferLimit, .overDailyLimit, .overOverallDailyLimit: return "amount"
    case .fieldsDiffer(let field): return field.rawValue
    default: return nil
    }
}
