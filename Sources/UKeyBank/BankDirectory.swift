import UKey
import UKeyTestCA
import COpenSSL
import Foundation

/// A bank's directory: what ``TransferVerifier`` trusts, its rules and its memory.
///
///     ca-cert.pem   the CA certificate(s) the bank trusts (PEM; several may be concatenated)
///     ca-key.pem    the test CA's key, when the directory is also the CA's (`ukey ca init --dir`)
///     policy.json   currencies, limits, counter step, challenges (``BankPolicy``); CNY only when absent
///     bank.sqlite   the store (``SQLBankStore``): challenges, tokens, daily totals, history, policy; 0600, WAL
///     state.json    the state before the store (``BankState``): imported once, then renamed state.json.imported
///
/// So `ukey ca init --dir BANK` makes a bank directory, and a bank that keeps its CA elsewhere
/// copies just `ca-cert.pem` in. The directory should be private (it is created 0700); existing
/// directories keep their mode.
///
/// `policy.json` seeds the store's policy: a verifier opened on the directory puts it in
/// `bank.sqlite` whenever its text changed since it was last put there.
public final class BankDirectory: Sendable {
    public static let certificateFileName = TestCertificateAuthority.certificateFileName
    public static let policyFileName = "policy.json"
    /// The SQLite store (``SQLBankStore``), with its `-wal` and `-shm` files beside it.
    public static let databaseFileName = "bank.sqlite"
    /// Before the store: the whole state in one JSON file, now only imported (once) and renamed.
    public static let stateFileName = "state.json"
    public static let importedStateFileName = "state.json.imported"

    public let url: URL
    /// `url.path` with a trailing slash, so a file's path is one concatenation (no `URL` work
    /// on the verification path).
    private let prefix: String
    private let directoryDescriptor: Int32

    /// Opens the bank directory at `url`; `create` makes it (mode 0700) when it does not exist.
    public init(_ url: URL, create: Bool = false) throws(BankError) {
        self.url = url
        prefix = url.path.hasSuffix("/") ? url.path : url.path + "/"
        if create, mkdir(url.path, 0o700) != 0, errno != EEXIST { throw .file(path: url.path, errno: errno) }
        directoryDescriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .file(path: url.path, errno: errno) }
    }

    deinit {
        close(directoryDescriptor)
    }

    /// The path of `bank.sqlite`.
    public var databasePath: String { path(Self.databaseFileName) }

    private func path(_ name: String) -> String { prefix + name }

    /// Every certificate in `ca-cert.pem` (`PEM_read_bio_X509` until the end).
    public func trustedCertificates() throws(BankError) -> [Certificate] {
        let file = path(Self.certificateFileName)
        guard let pem = try readFileIfPresent(Self.certificateFileName) else { throw .noTrustedCertificate(path: file) }
        let handles = MemoryBIO.reading(Array(pem)) { bio -> [X509Handle]? in
            var handles: [X509Handle] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) { handles.append(X509Handle(taking: x509)) }
            ERR_clear_error()   // the end of the input is reported as an error
            return handles
        } ?? []
        guard !handles.isEmpty else { throw .corruptFile(path: file, reason: "no PEM CERTIFICATE block") }
        do {
            return try handles.map { handle throws(PKIError) in try Certificate(handle: handle, der: handle.der()) }
        } catch {
            throw .pki(error)
        }
    }

    /// `policy.json`, or ``BankPolicy/default`` when there is none; validated.
    public func policy() throws(BankError) -> BankPolicy {
        guard let data = try readFileIfPresent(Self.policyFileName) else { return .default }
        let policy: BankPolicy
        do {
            policy = try JSONDecoder().decode(BankPolicy.self, from: data)
        } catch {
            throw .corruptFile(path: path(Self.policyFileName), reason: "not a bank policy: \(PolicyKeys.describe(error))")
        }
        try policy.validate()
        return policy
    }

    /// The contents of `name`, or `nil` if it does not exist.
    private func readFileIfPresent(_ name: String) throws(BankError) -> Data? {
        let file = path(name)
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            guard errno == ENOENT else { throw .file(path: file, errno: errno) }
            return nil
        }
        defer { close(descriptor) }
        return try Self.readAll(descriptor, path: file)
    }

    /// Writes `policy` to `policy.json` (0600, replaced atomically). A verifier opened on the
    /// directory afterwards puts it in the store (``TransferVerifier/init(directory:now:)``).
    public func savePolicy(_ policy: BankPolicy) throws(BankError) {
        try policy.validate()
        try replaceFile(Self.policyFileName, with: Self.encode(policy)).close()
    }

    /// The text of `policy.json` and the policy it holds (validated), or `nil` without one.
    func policyFile() throws(BankError) -> (text: String, policy: BankPolicy)? {
        guard let data = try readFileIfPresent(Self.policyFileName) else { return nil }
        return (String(decoding: data, as: UTF8.self), try policy())
    }

    /// The old `state.json`, if the directory still has one (an import source, ``TransferVerifier/importState()``).
    public func legacyState() throws(BankError) -> Data? {
        try readFileIfPresent(Self.stateFileName)
    }

    /// Renames `state.json` to `state.json.imported` once the store holds what it held.
    func retireLegacyState() throws(BankError) {
        guard rename(path(Self.stateFileName), path(Self.importedStateFileName)) == 0 else {
            throw .file(path: path(Self.stateFileName), errno: errno)
        }
        fsync(directoryDescriptor)
    }

    /// An open descriptor of a file just put in place; the caller closes it.
    private struct WrittenFile {
        let descriptor: Int32
        func close() { _ = Glibc.close(descriptor) }
    }

    /// Replaces `name` atomically: temporary file (0600), write, `fsync`, `rename`, directory `fsync`.
    private func replaceFile(_ name: String, with bytes: [UInt8]) throws(BankError) -> WrittenFile {
        let temporary = path("." + name + ".tmp")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .file(path: temporary, errno: errno) }
        func fail(_ file: String) -> BankError {
            let error = BankError.file(path: file, errno: errno)
            close(descriptor)
            unlink(temporary)
            return error
        }
        guard fchmod(descriptor, 0o600) == 0 else { throw fail(temporary) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw fail(temporary) }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw fail(temporary) }
        guard rename(temporary, path(name)) == 0 else { throw fail(path(name)) }
        guard fsync(directoryDescriptor) == 0 else {
            let error = BankError.file(path: url.path, errno: errno)
            close(descriptor)
            throw error
        }
        return WrittenFile(descriptor: descriptor)
    }

    private static func readAll(_ descriptor: Int32, path: String) throws(BankError) -> Data {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .file(path: path, errno: errno) }
            if count == 0 { return Data(bytes) }
            bytes += buffer[..<count]
        }
    }

    private static func encode(_ value: some Encodable) throws(BankError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = []
        do {
            return Array(try encoder.encode(value)) + [0x0A]
        } catch {
            throw .corruptFile(path: "(encoding)", reason: "\(error)")
        }
    }
}
