import ISO7816
import PIVApplet
#if canImport(Glibc)
import Glibc
#endif

/// A new token's PIV secrets: PIN, PUK and 9B management key from `UKEY_FACTORY_PIV_PIN` (6–8
/// digits), `UKEY_FACTORY_PIV_PUK` (8 digits) and `UKEY_FACTORY_MGMKEY` (48 hex digits), never
/// printed; else random (PIN 6 digits, PUK 8 digits, a 24-byte key) and appended once to the
/// token's `factory-secrets` file (0600) as `PIV_PIN=`, `PIV_PUK=`, `MGMKEY=` lines, before use.
///
/// A token made before the PIV applet existed gets them the same way at its next start.
struct PIVFactorySecrets {
    var credentials: PIVCredentials
    /// What was generated here (and so may be shown on a terminal), e.g. ["PIV PIN 123456"].
    var generatedNames: Set<String>

    static let pinVariable = "UKEY_FACTORY_PIV_PIN"
    static let pukVariable = "UKEY_FACTORY_PIV_PUK"
    static let managementKeyVariable = "UKEY_FACTORY_MGMKEY"

    /// The secrets for the token in `directory`: the environment's, else those a `factory-secrets`
    /// file already holds (an earlier start stopped before it installed them), else new ones.
    static func obtain(directory: String, environment: [String: String],
                       random: (Int) throws -> [UInt8]) throws(EmulatorError) -> PIVFactorySecrets {
        let envPIN = environment[pinVariable].map { Array($0.utf8) }
        let envPUK = environment[pukVariable].map { Array($0.utf8) }
        if let envPIN, !PIVCredentials.isValidPIN(envPIN) { throw .badFactorySecret(variable: pinVariable, rule: "6–8 digits") }
        if let envPUK, !FactorySecrets.isDigits(envPUK, 8...8) { throw .badFactorySecret(variable: pukVariable, rule: "8 digits") }
        var envKey: [UInt8]? = nil
        if let text = environment[managementKeyVariable] {
            guard let key = [UInt8](hex: text), key.count == 24 else {
                throw .badFactorySecret(variable: managementKeyVariable, rule: "48 hexadecimal digits (a 24-byte 3DES key)")
            }
            envKey = key
        }
        let file = directory + "/" + FactorySecrets.fileName
        var saved = FactorySecretsFile.read(file)
        defer { FactorySecretsFile.wipe(&saved) }
        var generated: Set<String> = []
        var lines: [UInt8] = []
        defer { for index in lines.indices { lines[index] = 0 } }

        func value(_ env: [UInt8]?, _ line: String, _ isValid: ([UInt8]) -> Bool,
                   _ make: () throws -> [UInt8], encode: ([UInt8]) -> [UInt8] = { $0 }) throws(EmulatorError) -> [UInt8] {
            if let env { return env }
            if let old = saved[line], isValid(old) { return old }
            let made: [UInt8]
            do {
                made = try make()
            } catch {
                throw .badConfiguration("no random numbers for the PIV factory secrets")
            }
            lines += Array((line + "=").utf8) + encode(made) + [0x0A]
            generated.insert(line)
            return made
        }

        let pin = try value(envPIN, "PIV_PIN", PIVCredentials.isValidPIN) { try FactorySecrets.digits(6, random: random) }
        let puk = try value(envPUK, "PIV_PUK", { FactorySecrets.isDigits($0, 8...8) }) { try FactorySecrets.digits(8, random: random) }
        let savedKey = saved["MGMKEY"].flatMap { [UInt8](hex: String(decoding: $0, as: UTF8.self)) }
        let key = try value(envKey ?? savedKey.flatMap { $0.count == 24 ? $0 : nil }, "MGMKEY", { _ in false }, { try random(24) },
                            encode: { Array($0.hexString.utf8) })
        if !lines.isEmpty { try FactorySecretsFile.append(lines, to: file) }
        return PIVFactorySecrets(credentials: PIVCredentials(pin: pin, puk: puk, managementKey: key), generatedNames: generated)
    }

    /// The generated values for a terminal: `PIV PIN …, PIV PUK …, management key …`.
    var generatedDescription: [String] {
        var parts: [String] = []
        if generatedNames.contains("PIV_PIN") { parts.append("PIV PIN " + String(decoding: credentials.pin, as: UTF8.self)) }
        if generatedNames.contains("PIV_PUK") { parts.append("PIV PUK " + String(decoding: credentials.puk, as: UTF8.self)) }
        if generatedNames.contains("MGMKEY") { parts.append("PIV management key " + credentials.managementKey.hexString) }
        return parts
    }

}
