import Foundation
import UKey

/// Reading inputs and writing outputs of commands: `-` is standard input.
enum Files {
    static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("noFile", "cannot read \(path): \(ErrorText.describe(error))")
        }
    }

    /// Writes `text` to `path` if one is given (for commands that use no card: a command that
    /// writes after a card operation reserves its file first, ``reserve(_:)``).
    static func write(_ text: String, to path: String?) throws {
        try write(Data(text.utf8), to: path)
    }

    static func write(_ data: Data, to path: String?) throws {
        guard let path else { return }
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("noFile", "cannot write \(path): \(ErrorText.describe(error))")
        }
    }

    /// The output file `path`, if one is given, reserved before the card is used: see ``PendingOutput``.
    static func reserve(_ path: String?) throws -> PendingOutput? {
        try path.map(PendingOutput.init(path:))
    }

    /// A certificate in PEM or DER.
    static func certificate(_ path: String) throws -> Certificate {
        let data = try read(path)
        let text = String(decoding: data, as: UTF8.self)
        return text.contains("-----BEGIN") ? try Certificate(pem: text) : try Certificate(der: Array(data))
    }
}

extension Files {
    /// An RSA public key in PEM (`PUBLIC KEY`) or DER SubjectPublicKeyInfo.
    static func publicKey(_ path: String) throws -> RSAPublicKey {
        let data = try read(path)
        let text = String(decoding: data, as: UTF8.self)
        return text.contains("-----BEGIN") ? try RSAPublicKey(pem: text) : try RSAPublicKey(derSubjectPublicKeyInfo: Array(data))
    }
}

/// An output file reserved before a card operation, so that what the card did (an approved
/// signature, a counter that moved) is never lost to an unwritable path: a temporary file is
/// created beside the target at once (a directory that does not exist or cannot be written
/// fails here, before the PIN or the card is used); ``commit(_:)`` writes the result there and
/// renames it over the target. Released without a commit (the holder denied, the card failed),
/// the temporary file is removed and an existing target is left as it was.
final class PendingOutput {
    let path: String
    private let temporary: String
    private var handle: FileHandle?

    init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).ukey-\(UUID().uuidString.prefix(8))"
        // O_EXCL: never a file someone else put there; mode 0666 less the umask, as a plain write.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw Self.failure(path, errno) }
        var existing = stat()
        if stat(path, &existing) == 0 {
            _ = fchmod(descriptor, existing.st_mode & 0o7777)  // a replaced file keeps its mode
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes `text` to the temporary file and renames it over the target.
    func commit(_ text: String) throws {
        try commit(Data(text.utf8))
    }

    func commit(_ data: Data) throws {
        guard let handle else { throw CLIError("noFile", "cannot write \(path): already written") }
        self.handle = nil
        do {
            try handle.write(contentsOf: data)
            try handle.close()
        } catch {
            unlink(temporary)
            throw CLIError("noFile", "cannot write \(path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Self.failure(path, code)
        }
    }

    deinit {
        if handle != nil { unlink(temporary) }
    }

    private static func failure(_ path: String, _ code: Int32) -> CLIError {
        CLIError("noFile", "cannot write \(path): \(String(cString: strerror(code)))")
    }
}
