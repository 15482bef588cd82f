/// A `--database` URL in libpq's URI forms, parsed here into libpq connection keywords (so
/// mistakes are named before a connection is tried):
///
///     postgresql://USER@HOST:PORT/DB          TCP (PORT optional, 5432)
///     postgresql://USER@/DB?host=SOCKDIR      a unix socket: SOCKDIR/.s.PGSQL.5432 (?port= changes the 5432)
///
/// `postgres://` is the same. USER may carry `:PASSWORD`; parts are percent-decoded. The only
/// query parameters are `host`, `port`, `sslmode`, `connect_timeout` and `application_name`.
/// Errors are one line naming what is wrong, and never contain the password.
public struct PostgresURL: Hashable, Sendable, CustomStringConvertible {
    public var user: String
    public var password: String?
    /// A host name or address, or (starting with `/`) the directory of the unix socket.
    public var host: String?
    public var port: Int?
    public var database: String
    /// Further libpq keywords from the query (`sslmode`, `connect_timeout`, `application_name`).
    public var options: [String: String]

    static let queryKeys: Set<String> = ["host", "port", "sslmode", "connect_timeout", "application_name"]

    public init(parsing text: String) throws(PostgresURLError) {
        let schemes = ["postgresql://", "postgres://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw .init("does not start with postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw .init("no database name (…/DB)") }
        let authority = rest[..<slash]
        database = try Self.decode(rest[rest.index(after: slash)...], "database name")
        guard !database.isEmpty else { throw .init("empty database name") }
        guard !database.contains("/") else { throw .init("database name \"\(database)\" contains /") }
        guard let at = authority.lastIndex(of: "@") else { throw .init("no user (postgresql://USER@…)") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        if let colon = userInfo.firstIndex(of: ":") {
            user = try Self.decode(userInfo[..<colon], "user")
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
        } else {
            user = try Self.decode(userInfo, "user")
            password = nil
        }
        guard !user.isEmpty else { throw .init("empty user name") }
        options = [:]
        host = nil
        port = nil
        if !hostPort.isEmpty {
            if hostPort.hasPrefix("[") {
                guard let close = hostPort.firstIndex(of: "]") else { throw .init("unclosed [ in the host") }
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw .init("text after the ] of the host") }
                    port = try Self.port(after.dropFirst())
                }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = try Self.decode(hostPort[..<colon], "host")
                port = try Self.port(hostPort[hostPort.index(after: colon)...])
            } else {
                host = try Self.decode(hostPort, "host")
            }
            if host?.isEmpty == true { throw .init("empty host name before the port") }
        }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { throw .init("query parameter \"\(pair)\" has no =") }
            let key = String(pair[..<equals])
            let value = try Self.decode(pair[pair.index(after: equals)...], "query parameter \(key)")
            guard Self.queryKeys.contains(key) else { throw .init("unknown query parameter \"\(key)\"") }
            switch key {
            case "host":
                guard host == nil else { throw .init("host given twice (after @ and as ?host=)") }
                guard value.hasPrefix("/") else { throw .init("?host= must be an absolute socket directory, not \"\(value)\"") }
                host = value
            case "port":
                guard port == nil else { throw .init("port given twice") }
                port = try Self.port(Substring(value))
            default:
                options[key] = value
            }
        }
        guard host != nil else { throw .init("no host: postgresql://USER@HOST:PORT/DB or postgresql://USER@/DB?host=SOCKDIR") }
    }

    /// libpq's keywords and values for `PQconnectdbParams`.
    public var keywords: [(String, String)] {
        var pairs: [(String, String)] = [("user", user), ("dbname", database)]
        if let password { pairs.append(("password", password)) }
        if let host { pairs.append(("host", host)) }
        if let port { pairs.append(("port", String(port))) }
        for key in options.keys.sorted() { pairs.append((key, options[key]!)) }
        return pairs
    }

    /// The URL without its password, for messages.
    public var description: String {
        let target = host.map { $0.hasPrefix("/") ? "/\(database)?host=\($0)" : "\($0)\(port.map { ":\($0)" } ?? "")/\(database)" }
            ?? "/\(database)"
        return "postgresql://\(user)@\(target)"
    }

    private static func port(_ text: Substring) throws(PostgresURLError) -> Int {
        guard let value = Int(text), (1...65_535).contains(value) else { throw .init("port \"\(text)\" is not a number from 1 to 65535") }
        return value
    }

    /// Percent-decodes `text`; a bad escape names `what`.
    private static func decode(_ text: Substring, _ what: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var units = Array(text.utf8)[...]
        while let unit = units.popFirst() {
            guard unit == UInt8(ascii: "%") else { bytes.append(unit); continue }
            guard units.count >= 2, let value = UInt8(String(decoding: units.prefix(2), as: UTF8.self), radix: 16) else {
                throw .init("bad percent escape in the \(what)")
            }
            bytes.append(value)
            units = units.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .init("the \(what) is not UTF-8") }
        return decoded
    }
}

/// What is wrong with a `--database` URL, in one line.
public struct PostgresURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "database URL: \(reason)" }
}
