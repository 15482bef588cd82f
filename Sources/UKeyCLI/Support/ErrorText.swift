import Foundation

/// One line for an error from Foundation or the JSON decoder, saying what went wrong and where
/// (the field's path), never a domain, a code or a Swift dump: every CLI message about a file or
/// a decoded value goes through here.
enum ErrorText {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let cli as CLIError: return cli.description
        case let decoding as DecodingError: return describe(decoding)
        default: break
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            if let posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap(posixText) ?? posixText(ns) { return posix }
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileReadCorruptFile, .propertyListReadCorrupt: return "not valid JSON"
            default: return ns.localizedFailureReason ?? "\(ns.localizedDescription)"
            }
        }
        return String(describing: error)
    }

    private static func posixText(_ error: NSError) -> String? {
        guard error.domain == NSPOSIXErrorDomain, let text = strerror(Int32(error.code)) else { return nil }
        return String(cString: text).lowercased()
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "field \(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field \(path(context.codingPath)): null where \(typeName(type)) is expected"
        @unknown default:
            return "not valid JSON"
        }
    }

    /// `transfer.amount`, `items[2].name`; `(top level)` for the document itself.
    static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "(top level)" }
        var text = ""
        for key in keys {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") { text += "[\(index)]" }
            else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is UInt32.Type, is UInt64.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Decimal.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }
}
