import Foundation

/// The stock clients: Debian's yubikey-manager 4.0.9 (`/usr/bin/ykman`, yubikit in the system
/// python) and PyPI's 5.x in `.build/ykman-venv` (`make ykman-venv`, which `make test` runs),
/// and Debian's oathtool.
enum OATHTools {
    struct Ykman: Sendable, CustomStringConvertible {
        var label: String
        var ykman: String
        var python: String
        var description: String { label }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let debian = Ykman(label: "ykman 4.0.9 (Debian)", ykman: "/usr/bin/ykman", python: "/usr/bin/python3")
    static let pypi = Ykman(label: "ykman 5 (PyPI)", ykman: packageRoot + "/.build/ykman-venv/bin/ykman",
                            python: packageRoot + "/.build/ykman-venv/bin/python3")
    static let both = [debian, pypi]

    static let oathtool = "/usr/bin/oathtool"

    static var missing: [String] {
        [(debian.ykman, "apt yubikey-manager"), (pypi.ykman, "make ykman-venv"), (oathtool, "apt oathtool"),
         ("/usr/sbin/pcscd", "apt pcscd")]
            .filter { !FileManager.default.isExecutableFile(atPath: $0.0) }.map { "\($0.0) (\($0.1))" }
    }

    static var allInstalled: Bool { missing.isEmpty }
}
