import ISO7816
import OATHProtocol

/// The OATH applet of a UKey token (YKOATH, the protocol ykman speaks): TOTP and HOTP accounts
/// whose secrets stay on the card, and an optional password (access key).
///
/// Every operation runs in one transaction of its ``CardChannel``: SELECT the applet, VALIDATE
/// with the password when one is set (PBKDF2 over the card's salt, as ykman derives it), then
/// the command. A touch account's CALCULATE waits for the holder's OK on the token.
///
/// ```swift
/// let oath = OATHSession(channel: found.token.channel)
/// try await oath.add(OATHNewAccount(name: "alice", issuer: "Example", secret: Secret(bytes: key)))
/// let codes = try await oath.codes(at: UInt64(Date().timeIntervalSince1970))
/// ```
public final class OATHSession: Sendable {
    public let channel: any CardChannel
    let password: Secret?

    /// `password`: the OATH password when one is set (ignored otherwise).
    public init(channel: any CardChannel, password: Secret? = nil) {
        self.channel = channel
        self.password = password
    }

    /// Version, whether a password is set, ykman's device id. Needs no password.
    public func info() async throws(TokenError) -> OATHInfo {
        try await channel.transaction { () async throws(TokenError) -> OATHInfo in
            let selected = try await select()
            return OATHInfo(version: selected.version.map(String.init).joined(separator: "."), passwordSet: selected.challenge != nil,
                            deviceID: OATHCrypto.deviceID(salt: selected.salt))
        }
    }

    /// Every account, in the card's order.
    public func accounts() async throws(TokenError) -> [OATHAccount] {
        try await operation { () async throws(TokenError) -> [OATHAccount] in try await self.list() }
    }

    /// PUT: adds the account, or replaces the one with the same id when `overwrite`.
    public func add(_ account: OATHNewAccount, overwrite: Bool = false) async throws(TokenError) {
        guard (6...8).contains(account.digits) else { throw .invalidInput("an OATH code has 6–8 digits") }
        guard !account.name.isEmpty, account.id.utf8.count <= 64 else { throw .invalidInput("an account id is 1–64 bytes") }
        guard !account.secret.bytes.isEmpty else { throw .invalidInput("the secret is empty") }
        guard account.kind == .hotp || (1...999).contains(account.period) else { throw .invalidInput("a TOTP period is 1–999 seconds") }
        var key = OATHCrypto.shortened(account.secret.bytes, account.algorithm)
        while key.count < 14 { key.append(0) }
        var data = TLV(tag: OATHWire.Tag.name, value: Array(account.id.utf8)).bytes
            + TLV(tag: OATHWire.Tag.key, value: [account.kind.wire.rawValue | account.algorithm.wire.rawValue, UInt8(account.digits)] + key).bytes
        key.cleanse()
        if account.requiresTouch { data += [OATHWire.Tag.property, OATHWire.requireTouch] }
        if account.counter > 0 {
            data += TLV(tag: OATHWire.Tag.imf, value: (0..<4).reversed().map { UInt8(truncatingIfNeeded: account.counter >> (8 * UInt32($0))) }).bytes
        }
        try await operation { () async throws(TokenError) in
            if !overwrite, try await self.list().contains(where: { $0.id == account.id }) {
                throw .invalidInput("an account \"\(account.id)\" exists already (overwrite it with --force)")
            }
            _ = try await self.send(BankingCommand(ins: OATHWire.Instruction.put, p1: 0, p2: 0, data: data, isSecret: true), "PUT")
        }
        data.cleanse()
    }

    /// DELETE the account with this id.
    public func delete(id: String) async throws(TokenError) {
        try await operation { () async throws(TokenError) in
            _ = try await self.send(BankingCommand(ins: OATHWire.Instruction.delete, p1: 0, p2: 0,
                                                   data: TLV(tag: OATHWire.Tag.name, value: Array(id.utf8)).bytes), "DELETE",
                                    notFound: id)
        }
    }

    /// Codes at `time` (Unix seconds) for the accounts whose id contains `query` (all when nil).
    /// CALCULATE ALL answers the 30-second TOTP accounts; an account with another period is
    /// calculated alone; HOTP and touch accounts only when the query matches exactly one account
    /// (a touch account then waits for the holder's OK), as ykman does.
    public func codes(at time: UInt64, matching query: String? = nil) async throws(TokenError) -> [OATHCode] {
        try await operation { () async throws(TokenError) -> [OATHCode] in
            let all = try await self.list()
            let matching = all.filter { account in
                guard let query else { return true }
                return account.id == query || account.id.lowercased().contains(query.lowercased())
            }
            let exact = matching.first { $0.id == query }
            let alone: OATHAccount? = exact ?? (matching.count == 1 ? matching[0] : nil)
            let step = OATHCode.challenge(time, period: 30)
            let answer = try await self.send(BankingCommand(ins: OATHWire.Instruction.calculateAll, p1: 0, p2: OATHWire.truncateP2,
                                                            data: TLV(tag: OATHWire.Tag.challenge, value: step).bytes), "CALCULATE ALL")
            var fromAll: [String: TLV] = [:]
            let tlvs = try Self.parse(answer, "CALCULATE ALL")
            var index = 0
            while index + 1 < tlvs.count {
                fromAll[String(decoding: tlvs[index].value, as: UTF8.self)] = tlvs[index + 1]
                index += 2
            }
            var codes: [OATHCode] = []
            for account in (alone.map { [$0] } ?? matching) {
                let entry = fromAll[account.id]
                let touch = entry?.tag == OATHWire.Tag.touch
                if account.id == alone?.id || (account.kind == .totp && account.period != 30 && !touch) {
                    codes.append(try await self.calculate(account, at: time, touch: touch))
                } else if account.kind == .totp, let entry, entry.tag == OATHWire.Tag.truncated {
                    codes.append(try Self.code(account, entry.value, time: time, touch: false))
                } else {
                    codes.append(OATHCode(account: account, code: nil, touchRequired: touch, validFrom: nil, validTo: nil))
                }
            }
            return codes
        }
    }

    /// Sets the password (`nil` removes it). With a password set, the session's own password
    /// must be the current one.
    public func setPassword(_ new: Secret?) async throws(TokenError) {
        try await channel.transaction { () async throws(TokenError) in
            let selected = try await self.select()
            try await self.validate(selected)
            guard let new else {
                _ = try await self.send(BankingCommand(ins: OATHWire.Instruction.setCode, p1: 0, p2: 0, data: TLV(tag: OATHWire.Tag.key, value: []).bytes),
                                        "SET CODE")
                return
            }
            var key = try OATHCrypto.deriveKey(password: new, salt: selected.salt)
            defer { key.cleanse() }
            let challenge = try PIVSession.randomBytes(8)
            let response = try OATHCrypto.hmacSHA1(key: key, data: challenge)
            let data = TLV(tag: OATHWire.Tag.key, value: [OATHWire.Kind.totp.rawValue | OATHWire.Algorithm.sha1.rawValue] + key).bytes
                + TLV(tag: OATHWire.Tag.challenge, value: challenge).bytes + TLV(tag: OATHWire.Tag.response, value: response).bytes
            _ = try await self.send(BankingCommand(ins: OATHWire.Instruction.setCode, p1: 0, p2: 0, data: data, isSecret: true), "SET CODE")
        }
    }

    // MARK: Internals

    struct Selected {
        var version: [UInt8]
        var salt: [UInt8]
        var challenge: [UInt8]?
    }

    /// Runs `body` in one transaction after SELECT and, when the card asks, VALIDATE.
    func operation<Result>(_ body: () async throws(TokenError) -> Result) async throws(TokenError) -> Result {
        try await channel.transaction { () async throws(TokenError) -> Result in
            try await self.validate(try await self.select())
            return try await body()
        }
    }

    func select() async throws(TokenError) -> Selected {
        let response = try await TokenSession(channel: channel).exchange(
            BankingCommand(ins: 0xA4, p1: 0x04, p2: 0x00, data: OATHWire.aid, le: 0x00))
        guard response.statusWord == .success else {
            if response.statusWord == .fileNotFound { throw .invalidInput("this token has no OATH applet") }
            throw .unexpectedStatus(response.statusWord, operation: "SELECT OATH")
        }
        let tlvs = try Self.parse(response.data, "SELECT OATH")
        guard let version = tlvs.first(OATHWire.Tag.version)?.value, let salt = tlvs.first(OATHWire.Tag.name)?.value else {
            throw .malformedResponse("SELECT OATH: no version (79) or name (71)")
        }
        return Selected(version: version, salt: salt, challenge: tlvs.first(OATHWire.Tag.challenge)?.value)
    }

    /// VALIDATE when the card sent a challenge: prove the password's key, then check the card's proof.
    func validate(_ selected: Selected) async throws(TokenError) {
        guard let challenge = selected.challenge else { return }
        guard let password else { throw .invalidInput("the OATH applet has a password: give it (--password-fd, UKEY_OATH_PASSWORD or the prompt)") }
        var key = try OATHCrypto.deriveKey(password: password, salt: selected.salt)
        defer { key.cleanse() }
        let ours = try PIVSession.randomBytes(8)
        let data = TLV(tag: OATHWire.Tag.response, value: try OATHCrypto.hmacSHA1(key: key, data: challenge)).bytes
            + TLV(tag: OATHWire.Tag.challenge, value: ours).bytes
        let response = try await TokenSession(channel: channel).exchange(
            BankingCommand(ins: OATHWire.Instruction.validate, p1: 0, p2: 0, data: data, isSecret: true))
        if response.statusWord == .referenceDataNotUsable { throw .invalidInput("wrong OATH password") }
        guard response.statusWord == .success else { throw .unexpectedStatus(response.statusWord, operation: "VALIDATE") }
        guard (try? TLV(parsing: response.data))?.value == (try OATHCrypto.hmacSHA1(key: key, data: ours)) else {
            throw .malformedResponse("VALIDATE: the card's proof does not match the password")
        }
    }

    func list() async throws(TokenError) -> [OATHAccount] {
        let data = try await send(BankingCommand(ins: OATHWire.Instruction.list, p1: 0, p2: 0), "LIST")
        var accounts: [OATHAccount] = []
        for tlv in try Self.parse(data, "LIST") where tlv.tag == OATHWire.Tag.nameList && !tlv.value.isEmpty {
            let kind: OATHKind = tlv.value[0] & 0xF0 == OATHWire.Kind.hotp.rawValue ? .hotp : .totp
            accounts.append(OATHAccount(id: String(decoding: tlv.value.dropFirst(), as: UTF8.self), kind: kind))
        }
        return accounts
    }

    func calculate(_ account: OATHAccount, at time: UInt64, touch: Bool) async throws(TokenError) -> OATHCode {
        let challenge = account.kind == .totp ? OATHCode.challenge(time, period: UInt64(account.period)) : []
        let data = try await send(BankingCommand(ins: OATHWire.Instruction.calculate, p1: 0, p2: OATHWire.truncateP2,
                                                 data: TLV(tag: OATHWire.Tag.name, value: Array(account.id.utf8)).bytes
                                                     + TLV(tag: OATHWire.Tag.challenge, value: challenge).bytes), "CALCULATE",
                                  notFound: account.id, touch: true)
        guard let tlv = try? TLV(parsing: data), tlv.tag == OATHWire.Tag.truncated else { throw .malformedResponse("CALCULATE: no 76") }
        return try Self.code(account, tlv.value, time: time, touch: touch)
    }

    static func code(_ account: OATHAccount, _ value: [UInt8], time: UInt64, touch: Bool) throws(TokenError) -> OATHCode {
        guard value.count == 5, (6...8).contains(value[0]) else { throw .malformedResponse("a truncated code is digits + 4 bytes") }
        let number = value[1...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
        let period = UInt64(max(account.period, 1))
        let from = account.kind == .totp ? time / period * period : time
        return OATHCode(account: account, code: OATHCodeText.digits(number, count: Int(value[0])), touchRequired: touch,
                        validFrom: from, validTo: account.kind == .totp ? from + period : nil)
    }

    /// Sends one command; 6984 is `notFound` when given, 6982 a touch not given in time.
    func send(_ command: BankingCommand, _ operation: String, notFound: String? = nil, touch: Bool = false) async throws(TokenError) -> [UInt8] {
        let response = try await TokenSession(channel: channel).exchange(command)
        switch response.statusWord.rawValue {
        case 0x9000: return response.data
        case 0x6984 where notFound != nil: throw .invalidInput("no account \"\(notFound!)\"")
        case 0x6982 where touch: throw .timedOut
        case 0x6A84: throw .invalidInput("the OATH applet is full (64 accounts)")
        default: throw .unexpectedStatus(response.statusWord, operation: operation)
        }
    }

    static func parse(_ data: [UInt8], _ operation: String) throws(TokenError) -> [TLV] {
        do { return try TLV.sequence(parsing: data) } catch { throw .malformedResponse("\(operation): \(error)") }
    }
}

/// The decimal code text: RFC 4226's value mod 10^digits, zero-padded.
enum OATHCodeText {
    static func digits(_ value: UInt32, count: Int) -> String { OATHProtocol.OATHCode.digits(value, count: count) }
}

extension OATHCode {
    /// TOTP's challenge: the time step as 8 bytes big-endian, as ykman sends it.
    static func challenge(_ time: UInt64, period: UInt64) -> [UInt8] {
        let step = time / max(period, 1)
        return (0..<8).reversed().map { UInt8(truncatingIfNeeded: step >> (8 * UInt64($0))) }
    }
}
