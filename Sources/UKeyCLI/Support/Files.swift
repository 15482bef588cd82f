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

    /// Writes `text` to `path` if one is given.
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
