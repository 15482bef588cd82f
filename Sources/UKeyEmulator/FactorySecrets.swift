import CardOS

/// A new token's factory PIN and PUK: from `UKEY_FACTORY_PIN` / `UKEY_FACTORY_PUK` (for
/// reproducible CI set-ups; never printed), else random (PIN 6 digits, PUK 8 digits), written
/// once to `factory-secrets` (0600) in the token's directory.
///
/// Not `CustomStringConvertible` on purpose: nothing prints it by accident.
struct FactorySecrets {
    var pin: [UInt8]
    var puk: [UInt8]
    /// Whether the values were generated here (and so may be shown on a terminal).
    var generated: Bool

    static let pinVariable = "UKEY_FACTORY_PIN"
    static let pukVariable = "UKEY_FACTORY_PUK"
    static let fileName = "factory-secrets"

    /// Overwrites the digits (best effort: Swift arrays may have been copied before).
    mutating func wipe() {
        for index in pin.indices { pin[index] = 0 }
        for index in puk.indices { puk[index] = 0 }
    }

    /// The secrets for the token in `directory`: those of a `factory-secrets` file left by an
    /// earlier start that stopped before manufacturing, else the environment's, else new random
    /// ones (written to the file before they are used).
    static func obtain(directory: String, environment: [String: String],
                       random: (Int) throws -> [UInt8]) throws(EmulatorError) -> FactorySecrets {
        let envPIN = environment[pinVariable].map { Array($0.utf8) }
        let envPUK = environment[pukVariable].map { Array($0.utf8) }
        if let envPIN, !isDigits(envPIN, 6...16) { throw .badFactorySecret(variable: pinVariable, rule: "6–16 digits") }
        if let envPUK, !isDigits(envPUK, 8...16) { throw .badFactorySecret(variable: pukVariable, rule: "8–16 digits") }
        let file = directory + "/" + fileName
        if let saved = read(file) { return saved }
        if let envPIN, let envPUK { return FactorySecrets(pin: envPIN, puk: envPUK, generated: false) }
        var secrets: FactorySecrets
        do {
            secrets = FactorySecrets(pin: try envPIN ?? digits(6, random: random),
                                     puk: try envPUK ?? digits(8, random: random), generated: true)
        } catch {
            throw .badConfiguration("no random numbers for the factory secrets")
        }
        // Only what was generated goes to the file: environment values are the caller's.
        var text: [UInt8] = []
        if envPIN == nil { text += Array("PIN=".utf8) + secrets.pin + [0x0A] }
        if envPUK == nil { text += Array("PUK=".utf8) + secrets.puk + [0x0A] }
        try FactorySecretsFile.write(text, to: file)
        for index in text.indices { text[index] = 0 }
        secrets.generated = true
        return secrets
    }

    static func isDigits(_ bytes: [UInt8], _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(bytes.count) && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// `count` uniformly random decimal digits (rejection sampling: bytes ≥ 250 are redrawn).
    static func digits(_ count: Int, random: (Int) throws -> [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            for byte in try random(count * 2) where byte < 250 && out.count < count {
                out.append(0x30 + byte % 10)
            }
        }
        return out
    }

    /// The PIN and PUK of a `factory-secrets` file, if it holds both (other lines are ignored).
    static func read(_ path: String) -> FactorySecrets? {
        var lines = FactorySecretsFile.read(path)
        defer { FactorySecretsFile.wipe(&lines) }
        guard let pin = lines["PIN"], let puk = lines["PUK"], isDigits(pin, 6...16), isDigits(puk, 8...16) else { return nil }
        return FactorySecrets(pin: pin, puk: puk, generated: true)
    }
}
