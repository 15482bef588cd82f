import COpenSSL
import Foundation
import Glibc
import ISO7816

/// The key that seals OTP secrets at rest (AES-256-GCM through OpenSSL's EVP), kept outside the
/// database: the environment's `UKEY_BANK_OTP_KEY` (64 hex digits) or else the bank directory's
/// `otp.key` (32 random bytes, mode 0600, made on first use). A row holds nonce (12) ‖ ciphertext
/// ‖ tag (16), with the holder and credential name as associated data, so a sealed secret copied
/// to another row does not open. This key only decrypts OTP seeds; nothing it outputs reaches a
/// signature verifier (ARCHITECTURE.md, "Three keys, one purpose each").
public struct OTPSealingKey: Sendable {
    public static let fileName = "otp.key"
    public static let environmentVariable = "UKEY_BANK_OTP_KEY"
    private let key: [UInt8]

    public init(key: [UInt8]) throws(BankError) {
        guard key.count == 32 else { throw .corruptFile(path: Self.fileName, reason: "the OTP key is not 32 bytes") }
        self.key = key
    }

    /// The environment's key, or the directory's `otp.key` (created 0600 if missing: written to a
    /// temporary file and linked into place, so servers starting at once agree on one key).
    public static func load(directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(BankError) -> OTPSealingKey {
        if let hex = environment[environmentVariable] {
            guard hex.count == 64, let key = [UInt8](hex: hex) else {
                throw .corruptFile(path: environmentVariable, reason: "not 64 hex digits")
            }
            return try OTPSealingKey(key: key)
        }
        let path = directory.appendingPathComponent(fileName).path
        if let existing = try read(path) { return try OTPSealingKey(key: existing) }
        var fresh = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&fresh, 32) == 1 else { throw .randomUnavailable }
        let temporary = path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .file(path: temporary, errno: errno) }
        let written = fresh.withUnsafeBytes { write(descriptor, $0.baseAddress, 32) }
        let synced = fsync(descriptor)
        Glibc.close(descriptor)
        defer { unlink(temporary) }
        guard written == 32, synced == 0 else { throw .file(path: temporary, errno: errno) }
        if link(temporary, path) != 0, errno != EEXIST { throw .file(path: path, errno: errno) }
        guard let key = try read(path) else { throw .file(path: path, errno: ENOENT) }
        return try OTPSealingKey(key: key)
    }

    private static func read(_ path: String) throws(BankError) -> [UInt8]? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw .file(path: path, errno: errno)
        }
        defer { Glibc.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, 64) }
        guard count == 32 else { throw .corruptFile(path: path, reason: "the OTP key is not 32 bytes") }
        return Array(buffer.prefix(32))
    }

    /// nonce ‖ ciphertext ‖ tag of `plaintext` bound to `associated`.
    func seal(_ plaintext: [UInt8], associated: [UInt8]) throws(BankError) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        guard RAND_bytes(&nonce, 12) == 1 else { throw .randomUnavailable }
        guard let context = EVP_CIPHER_CTX_new() else { throw .database("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: 16)
        var length: Int32 = 0
        var final: Int32 = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              EVP_EncryptUpdate(context, nil, &length, associated, Int32(associated.count)) == 1,
              EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1,
              ciphertext.withUnsafeMutableBufferPointer({ EVP_EncryptFinal_ex(context, $0.baseAddress! + Int(length), &final) }) == 1,
              EVP_CIPHER_CTX_ctrl(context, 0x10 /* EVP_CTRL_GCM_GET_TAG */, 16, &tag) == 1
        else { throw .database("AES-256-GCM sealing failed") }
        return nonce + ciphertext.prefix(Int(length + final)) + tag
    }

    /// The plaintext of `sealed`, `nil` when it does not authenticate (another key, another row, tampered).
    func open(_ sealed: [UInt8], associated: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 28, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let nonce = Array(sealed.prefix(12))
        var tag = Array(sealed.suffix(16))
        let ciphertext = Array(sealed.dropFirst(12).dropLast(16))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        var final: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              EVP_DecryptUpdate(context, nil, &length, associated, Int32(associated.count)) == 1,
              EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1,
              EVP_CIPHER_CTX_ctrl(context, 0x11 /* EVP_CTRL_GCM_SET_TAG */, 16, &tag) == 1,
              plaintext.withUnsafeMutableBufferPointer({ EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(length), &final) }) == 1
        else { return nil }
        return Array(plaintext.prefix(Int(length + final)))
    }

    /// The associated data of a credential's row.
    static func associatedData(holder: String, name: String) -> [UInt8] {
        Array("ukey-bank otp v1".utf8) + [0] + Array(holder.utf8) + [0] + Array(name.utf8)
    }
}
