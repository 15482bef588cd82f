import UKey
import UKeyTestCA
import COpenSSL
import Foundation
import Synchronization

/// A bank's directory: what ``TransferVerifier`` trusts, its rules and its memory.
///
///     ca-cert.pem   the CA certificate(s) the bank trusts (PEM; several may be concatenated)
///     ca-key.pem    the test CA's key, when the directory is also the CA's (`ukey ca init --dir`)
///     policy.json   currencies, limits, counter step, challenges (``BankPolicy``); CNY only when absent
///     state.json    issued challenges, tokens' counters and suspensions, daily totals (``BankState``), mode 0600
///     state.lock    the `flock` lock that serialises processes sharing the directory
///
/// So `ukey ca init --dir BANK` makes a bank directory, and a bank that keeps its CA elsewhere
/// copies just `ca-cert.pem` in. The directory should be private (it is created 0700); existing
/// directories keep their mode.
///
/// `state.json` is only ever replaced whole: written to a temporary file (0600), `fsync`ed,
/// renamed over the old one, and the directory `fsync`ed, all under an exclusive `flock` on
/// `state.lock` — so a crash leaves the old or the new state, and two processes cannot both
/// accept one challenge. Dry runs read without the lock (a renamed file is always whole). The
/// decoded state is cached and reused while the file it came from is still `state.json` (the
/// cache keeps that file open: a newer file is a new inode, and the old one loses its link).
public final class BankDirectory: Sendable {
    public static let certificateFileName = TestCertificateAuthority.certificateFileName
    public static let policyFileName = "policy.json"
    public static let stateFileName = "state.json"
    public static let lockFileName = "state.lock"

    public let url: URL
    /// `url.path` with a trailing slash, so a file's path is one concatenation (no `URL` work
    /// on the verification path).
    private let prefix: String
    private let statePath: String
    private let lockDescriptor: Int32
    private let directoryDescriptor: Int32
    private let cache = Mutex(StateCache())

    /// The state as last read or written, and a descriptor holding that file's inode.
    private struct StateCache: Sendable {
        var state = BankState()
        var descriptor: Int32 = -1
    }

    /// Opens the bank directory at `url`; `create` makes it (mode 0700) when it does not exist.
    /// Creates `state.lock` (0600) if needed.
    public init(_ url: URL, create: Bool = false) throws(BankError) {
        self.url = url
        prefix = url.path.hasSuffix("/") ? url.path : url.path + "/"
        statePath = prefix + Self.stateFileName
        if create, mkdir(url.path, 0o700) != 0, errno != EEXIST { throw .file(path: url.path, errno: errno) }
        directoryDescriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .file(path: url.path, errno: errno) }
        let lockPath = prefix + Self.lockFileName
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else {
            let code = errno
            close(directoryDescriptor)
            throw .file(path: lockPath, errno: code)
        }
    }

    deinit {
        cache.withLock { if $0.descriptor >= 0 { close($0.descriptor) } }
        close(lockDescriptor)
        close(directoryDescriptor)
    }

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

    /// Writes `policy` to `policy.json` (0600, replaced atomically, under the exclusive lock).
    /// Verifiers read the policy when they are created.
    public func savePolicy(_ policy: BankPolicy) throws(BankError) {
        try policy.validate()
        let bytes = try Self.encode(policy)
        try cache.withLock { (_: inout StateCache) throws(BankError) in
            try lock(LOCK_EX)
            defer { _ = flock(lockDescriptor, LOCK_UN) }
            try replaceFile(Self.policyFileName, with: bytes).close()
        }
    }

    /// Runs `body` on the current state under this object's mutex: a consistent snapshot for a
    /// dry run. No `flock` is needed: `state.json` is only ever replaced whole by `rename`, so
    /// whatever file is there is a complete state.
    func snapshot<T: Sendable>(_ body: (BankState) -> T) throws(BankError) -> T {
        try cache.withLock { (cache: inout StateCache) throws(BankError) -> T in
            try refresh(&cache, strict: false)
            return body(cache.state)
        }
    }

    /// Runs `body` on the current state under an exclusive `flock` and this object's mutex; when
    /// it reports a change, writes the new state before the lock is released. If the write fails,
    /// the cached state is dropped (the next call reads the file again) and the error is thrown.
    func update<T: Sendable>(_ body: (inout BankState) -> (result: T, changed: Bool)) throws(BankError) -> T {
        try cache.withLock { (cache: inout StateCache) throws(BankError) -> T in
            try lock(LOCK_EX)
            defer { _ = flock(lockDescriptor, LOCK_UN) }
            try refresh(&cache, strict: true)
            let (result, changed) = body(&cache.state)   // in place: no copy of the state
            guard changed else { return result }
            do throws(BankError) {
                let written = try replaceFile(Self.stateFileName, with: Self.encode(cache.state))
                if cache.descriptor >= 0 { close(cache.descriptor) }
                cache.descriptor = written.descriptor
            } catch {
                if cache.descriptor >= 0 { close(cache.descriptor) }
                cache = StateCache()
                throw error
            }
            return result
        }
    }

    private func lock(_ operation: Int32) throws(BankError) {
        while flock(lockDescriptor, operation) != 0 {
            guard errno == EINTR else { throw .file(path: path(Self.lockFileName), errno: errno) }
        }
    }

    /// Re-reads `state.json` unless the cache still holds the current file. `state.json` is only
    /// ever replaced by `rename`, which unlinks the file it replaces, so a held file that still
    /// has a link is current: one `fstat`, no path lookup (for dry runs). `strict` (for updates,
    /// which write anyway) also compares the inode at the path, which catches a file moved in by
    /// hand under another name.
    private func refresh(_ cache: inout StateCache, strict: Bool) throws(BankError) {
        let file = statePath
        var held = stat()
        let holdsLinkedFile = cache.descriptor >= 0 && fstat(cache.descriptor, &held) == 0 && held.st_nlink > 0
        if holdsLinkedFile && !strict { return }
        var current = stat()
        guard fstatat(directoryDescriptor, Self.stateFileName, &current, 0) == 0 else {
            guard errno == ENOENT else { throw .file(path: file, errno: errno) }
            if cache.descriptor >= 0 { close(cache.descriptor) }
            cache = StateCache()
            return
        }
        if holdsLinkedFile, held.st_ino == current.st_ino, held.st_dev == current.st_dev { return }
        let descriptor = openat(directoryDescriptor, Self.stateFileName, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .file(path: file, errno: errno) }
        let state: BankState
        do {
            state = try JSONDecoder().decode(BankState.self, from: try Self.readAll(descriptor, path: file))
        } catch let error as BankError {
            close(descriptor)
            throw error
        } catch {
            close(descriptor)
            throw .corruptFile(path: file, reason: "not a bank state: \(error)")
        }
        guard state.version == BankState.currentVersion else {
            close(descriptor)
            throw .corruptFile(path: file, reason: "state version \(state.version), this verifier reads \(BankState.currentVersion)")
        }
        if cache.descriptor >= 0 { close(cache.descriptor) }
        cache = StateCache(state: state, descriptor: descriptor)
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
