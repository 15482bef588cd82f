import ArgumentParser
import Foundation
import ISO7816
import UKey
import UKeyArguments

/// `ukey shell`: one card connection and APDUs typed line by line, as opensc-explorer and
/// scriptor give. The connection stays open, so a verified PIN stays verified between lines.
/// History never records a line that carries a secret (``ShellHistory``).
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Send APDUs line by line on one card connection (the PIN stays verified).",
        discussion: """
            Lines: a command APDU in hex; select AID (SELECT by name); verify [REF] (VERIFY, \
            reference 81 by default — the banking PIN; 80 for PIV — with the PIN from UKEY_PIN or a \
            prompt with echo off); reset (the card is reset: nothing stays verified); history; help; \
            quit. # starts a comment. History (and --history FILE) never records a line that \
            carries a secret: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (INS 20, 24, 2C) \
            and PIV GENERAL AUTHENTICATE steps (INS 87).

            Example:
              printf 'select F0554B455901\\n00CA010000\\n' | ukey shell --reader "UKey 1-1"
            """)

    @Option(help: "Append the history to this file (0600), without secret-carrying lines.", transform: AbsolutePath.file)
    var history: String?

    @OptionGroup var options: CommonOptions

    mutating func run() async throws {
        let historyFile = history
        try await Output.run(json: false) {
            let access = try ReaderAccess(options: options)
            let target = try await access.anyCard()
            defer { target.card.close() }
            var session = ShellSession(channel: target.channel, card: target.card, history: ShellHistory(file: historyFile))
            let interactive = isatty(STDIN_FILENO) == 1
            print("connected to \(target.reader); help lists the commands")
            while true {
                if interactive { FileHandle.standardOutput.write(Data("ukey> ".utf8)) }
                fflush(nil)
                guard let line = readLine(strippingNewline: true) else { break }
                guard try await session.handle(line) else { break }
                fflush(nil)
            }
        }
    }
}

/// What `ukey shell` does with one line.
struct ShellSession {
    let channel: any CardChannel
    let card: PCSCCardChannel
    var history: ShellHistory

    /// Handles one line; false to end the session.
    mutating func handle(_ raw: String) async throws -> Bool {
        let line = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return true }
        let words = line.split(separator: " ").map(String.init)
        switch words[0].lowercased() {
        case "quit", "exit":
            return false
        case "help":
            print("HEX (a command APDU) | select AID | verify [REF] | reset | history | quit")
        case "history":
            for (number, entry) in history.entries.enumerated() { print("\(number + 1)  \(entry)") }
        case "reset":
            history.record(line)
            do {
                try await card.card.reconnect(initialization: .reset)
                print("card reset; ATR \(try card.card.status().atr.hexString)")
            } catch {
                print("error: reset: \(error)")
            }
        case "select":
            history.record(line)
            guard words.count == 2, let aid = [UInt8](hex: words[1]), (1...16).contains(aid.count) else {
                print("error: select AID (1 to 16 bytes in hex)")
                return true
            }
            try await exchange([0x00, 0xA4, 0x04, 0x00, UInt8(aid.count)] + aid + [0x00])
        case "verify":
            history.record(line)   // the line holds no PIN: it is asked for
            guard words.count <= 2, let reference = words.count == 2 ? UInt8(words[1], radix: 16) : 0x81 else {
                print("error: verify [REF] (a reference in hex, 81 by default)")
                return true
            }
            let pin: Secret
            do {
                pin = try SecretInput.pin(fd: nil).read()
            } catch {
                print("error: \(error)")
                return true
            }
            try await exchange([0x00, 0x20, 0x00, reference, UInt8(pin.bytes.count)] + pin.bytes)
        default:
            let apdu: [UInt8]
            do {
                apdu = try APDUCommand.parse(line, place: "the line")
            } catch {
                print("error: \(error.description)")
                return true
            }
            if !ShellHistory.carriesSecret(apdu) { history.record(line) }
            try await exchange(apdu)
        }
        return true
    }

    /// Sends `apdu` and prints it (secrets hidden, as `ukey apdu --trace` shows them) and the answer.
    private func exchange(_ apdu: [UInt8]) async throws {
        print(APDUTrace.command(apdu))
        do {
            let bytes = try await channel.transmit(apdu)
            guard let response = try? ResponseAPDU(parsing: bytes) else {
                print("error: the card answered \(bytes.count) bytes without a status word")
                return
            }
            let data = response.data.hexString
            print("< \(data.isEmpty ? "" : data + " ")\(hexWord(response.statusWord.rawValue))  \(response.statusWord.meaning)")
        } catch {
            print("error: \(error)")
        }
    }
}

/// The lines of a shell session worth typing again; never one that carries a secret.
struct ShellHistory {
    /// INS bytes whose data is a secret: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
    /// and PIV GENERAL AUTHENTICATE (its steps carry the management key's witness and response).
    static let secretINS: Set<UInt8> = [0x20, 0x24, 0x2C, 0x87]

    let file: String?
    private(set) var entries: [String] = []

    init(file: String?) {
        self.file = file
    }

    static func carriesSecret(_ apdu: [UInt8]) -> Bool {
        apdu.count >= 2 && secretINS.contains(apdu[1])
    }

    mutating func record(_ line: String) {
        entries.append(line)
        guard let file else { return }
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
