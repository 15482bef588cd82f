import Foundation

/// Where Debian 12 installs the stock tools these tests drive, and whether they are there.
/// `make deps` installs every one (INTEGRATION_DEBS in the Makefile), so in CI none is missing;
/// on a developer's machine without them the tests are skipped with the package to install.
enum PIVTools {
    static let openscTool = "/usr/bin/opensc-tool"
    static let pkcs11Tool = "/usr/bin/pkcs11-tool"
    static let yubicoPIVTool = "/usr/bin/yubico-piv-tool"
    static let openssl = "/usr/bin/openssl"
    static let curl = "/usr/bin/curl"
    static let gnutlsCLI = "/usr/bin/gnutls-cli"
    static let python = "/usr/bin/python3"
    /// OpenSC's PKCS#11 module: what pkcs11-tool, PyKCS11 and p11-kit (for curl, the OpenSSL
    /// engine and GnuTLS) load.
    static let openscPKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
    /// libengine-pkcs11-openssl: the `pkcs11` engine (libp11), which loads p11-kit-proxy.
    static let pkcs11Engine = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
    static let p11KitProxy = "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

    /// Each file the suite needs, with the Debian package that installs it.
    static let required: [(path: String, package: String)] = [
        (openscTool, "opensc"), (pkcs11Tool, "opensc"), (openscPKCS11, "opensc-pkcs11"),
        (yubicoPIVTool, "yubico-piv-tool"), (openssl, "openssl"), (curl, "curl"), (gnutlsCLI, "gnutls-bin"),
        (pkcs11Engine, "libengine-pkcs11-openssl"), (p11KitProxy, "p11-kit-modules"), (python, "python3"),
        ("/usr/lib/python3/dist-packages/PyKCS11/__init__.py", "python3-pykcs11"),
        ("/usr/sbin/pcscd", "pcscd"), ("/usr/bin/unshare", "util-linux"),
    ]

    /// What is missing ("path (package)"), empty when everything is installed.
    static var missing: [String] {
        required.filter { !FileManager.default.fileExists(atPath: $0.path) }.map { "\($0.path) (\($0.package))" }
    }

    static var allInstalled: Bool { missing.isEmpty }
}
