import Foundation
import UKey

/// Where a PIN, PUK or new PIN comes from — never the command line (argv is visible to every
/// user in `ps`): a file descriptor (`--pin-fd 3`), an environment variable (`UKEY_PIN`) or,
/// when standard input is a terminal, a prompt with echo off.
struct SecretInput {
    /// `PIN`, `new PIN` or `PUK`: for prompts and errors.
    let name: String
    let fd: Int32?
    let environmentVariable: String
    /// The option that names the descriptor, when it is not `--<name>-fd` (PIV: `--pin-fd` for the PIV PIN).
    var flag: String? = nil

    static func pin(fd: Int32?) -> SecretInput { SecretInput(name: "PIN", fd: fd, environmentVariable: "UKEY_PIN") }
    static func newPIN(fd: Int32?) -> SecretInput { SecretInput(name: "new PIN", fd: fd, environmentVariable: "UKEY_NEW_PIN") }
    static func puk(fd: Int32?) -> SecretInput { SecretInput(name: "PUK", fd: fd, environmentVariable: "UKEY_PUK") }

    /// Reads the secret; the first line of the descriptor, without its line ending.
    func read() throws -> Secret {
        if let fd {
            return Secret(bytes: try Self.firstLine(of: fd, name: name))
        }
        if let value = ProcessInfo.processInfo.environment[environmentVariable] {
            return Secret(value)
        }
        if let typed = try TerminalPrompt.readSecret(prompt: "\(name.prefix(1).uppercased() + name.dropFirst()): ") {
            return Secret(bytes: typed)
        }
        throw CLIError("noSecret", "no \(name): pass it on a file descriptor (\(flag ?? "--" + name.replacingOccurrences(of: " ", with: "-").lowercased() + "-fd") N), in \(environmentVariable), or run on a terminal")
    }

    /// A new secret: typed twice when it comes from the terminal, so a typo is not set unseen.
    func readTwiceOnTerminal() throws -> Secret {
        guard fd == nil, ProcessInfo.processInfo.environment[environmentVariable] == nil else { return try read() }
        let first = try read()
        guard let again = try TerminalPrompt.readSecret(prompt: "Repeat the \(name): ") else { return first }
        guard again == first.bytes else { throw CLIError("mismatch", "the two \(name)s differ; nothing was changed") }
        return first
    }

    static func firstLine(of fd: Int32, name: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count <= 64 {
            let count = Foundation.read(fd, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError("noSecret", "cannot read the \(name) from file descriptor \(fd): \(String(cString: strerror(errno)))")
            }
            if count == 0 || byte == 0x0A { break }
            bytes.append(byte)
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw CLIError("noSecret", "file descriptor \(fd) gave an empty \(name)") }
        return bytes
    }
}
