import ArgumentParser
import UKey

/// `ukey token info`: serial, firmware, the three keys and whether each has a certificate (its
/// subject), tries left, both counters, display.
struct TokenInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the token's serial, keys, tries left and counters.")

    @OptionGroup var options: CommonOptions

    struct Result: Encodable {
        let reader: String
        let info: TokenInfo
        /// One entry per key the card holds: whether its certificate is stored, and its subject.
        let certificates: [StoredCertificate]
        /// Whether the reader offers a PIN pad (the token's keypad: part 10 FEATURE_VERIFY_PIN_DIRECT).
        let pinPad: Bool
    }

    struct StoredCertificate: Encodable {
        let key: TokenKey
        let stored: Bool
        let subject: String?
    }

    /// GET CERTIFICATE of every key the card holds (no PIN needed): stored with its subject, or not.
    static func certificates(_ token: Token, _ info: TokenInfo) async throws -> [StoredCertificate] {
        var out: [StoredCertificate] = []
        for key in TokenKey.allCases where info.state(of: key) != .none {
            let result: Swift.Result<Certificate, TokenError>
            do { result = .success(try await token.certificate(key)) } catch { result = .failure(error) }
            if case .failure(.notPersonalized(.noCertificate)) = result {
                out.append(StoredCertificate(key: key, stored: false, subject: nil))
            } else {
                out.append(StoredCertificate(key: key, stored: true, subject: try result.get().subject))
            }
        }
        return out
    }

    /// `transfer cert       CN=…` / `none`, aligned with the other lines.
    static func line(_ certificate: StoredCertificate) -> String {
        let name = certificate.key == .authentication ? "auth" : certificate.key == .decryption ? "decrypt" : "transfer"
        let label = (name + " cert").padding(toLength: 18, withPad: " ", startingAt: 0)
        return label + (certificate.subject ?? "none")
    }

    mutating func run() async throws {
        try await Output.run(json: options.json) {
            try await ReaderAccess.withToken(options) { found in
                let info = try await found.token.info()
                let result = Result(reader: found.reader, info: info, certificates: try await Self.certificates(found.token, info),
                                    pinPad: try await found.token.hasPINPad())
                try Output.emit(result, json: options.json) { result in
                    let info = result.info
                    let certificates = result.certificates.map { Self.line($0) + "\n" }.joined()
                    return """
                        reader            \(result.reader)
                        serial            \(info.serial)
                        firmware          \(info.firmwareVersion)
                        transfer key      \(info.transferKey.rawValue)
                        auth key          \(info.authenticationKey.rawValue)
                        decrypt key       \(info.decryptionKey.rawValue)
                        \(certificates)PIN tries left    \(info.pinTriesLeft)\(info.pinMustChange ? " (factory PIN: change it)" : "")
                        PUK tries left    \(info.pukTriesLeft)
                        PIN entry         \(info.pinEntry.text)
                        PIN pad           \(result.pinPad ? "yes: the PIN can be typed on the token" : "no")
                        transfers signed  \(info.transferCounter)
                        auth signatures   \(info.authenticationCounter)
                        display           \(info.displayLines)×\(info.displayColumns)
                        """
                }
            }
        }
    }
}
