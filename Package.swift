// swift-tools-version:6.0
//
// UKey: a USB banking token simulated in software, and the stack that talks to it.
// The layout mirrors docs/ARCHITECTURE.md: Firmware/ is the Foundation-free code that would be
// flashed onto the token; Sources/ holds the wire formats, the host platform and the host side.
import PackageDescription

let package = Package(
    name: "UKey",
    products: [
        .library(name: "UKey", targets: ["UKey"]),
        .library(name: "UKeyBank", targets: ["UKeyBank"]),
        .library(name: "UKeyBankPostgres", targets: ["UKeyBankPostgres"]),
        .executable(name: "ukey", targets: ["UKeyCLI"]),
        // The pcscd IFD handler: libifd-ukey.so.
        .library(name: "ifd-ukey", type: .dynamic, targets: ["UKeyDriver"]),
        .executable(name: "ukey-bench", targets: ["UKeyBench"]),
        // The bank as an HTTP service (Hummingbird 2): `ukey-bank serve|challenge|verify|...`.
        .executable(name: "ukey-bank", targets: ["UKeyBankCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The bank service's server stack: only UKeyBankServer, UKeyBankCLI and their tests use these.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Wire formats: Foundation-free, Embedded-buildable.
        .target(name: "ISO7816", path: "Sources/ISO7816"),
        // USB chapter 9: setup packet, standard requests and descriptors.
        .target(name: "USB", dependencies: ["ISO7816"], path: "Sources/USB"),
        .target(name: "CCID", dependencies: ["ISO7816"], path: "Sources/CCID"),
        .target(name: "USBIP", dependencies: ["ISO7816", "USB"], path: "Sources/USBIP"),

        // Firmware: Foundation-free, Embedded-buildable, reaches the platform only through CardOS's HAL.
        .target(name: "CardOS", dependencies: ["ISO7816"], path: "Firmware/CardOS"),
        // The transfer field rules shared by the card and the bank: field checks, the generated
        // Unicode 15.0 table (scripts/gen-unicode-table.py), display width and value lines.
        // The banking wire vocabulary (AID, INS, P1P2, key references, DTBS / 7C / 9E and info tags) is here too.
        .target(name: "BankingProtocol", dependencies: ["ISO7816"], path: "Sources/BankingProtocol"),
        .target(name: "BankingApplet", dependencies: ["CardOS", "ISO7816", "BankingProtocol"], path: "Firmware/BankingApplet"),
        // The PIV wire vocabulary shared by the PIV applet and the host library: slots, objects, AID, tags.
        .target(name: "PIVProtocol", dependencies: ["ISO7816"], path: "Sources/PIVProtocol"),
        .target(name: "PIVApplet", dependencies: ["CardOS", "ISO7816", "PIVProtocol"], path: "Firmware/PIVApplet"),
        // The YKOATH wire vocabulary shared by the OATH applet and the host library: AID, INS, tags, truncation.
        .target(name: "OATHProtocol", dependencies: ["ISO7816"], path: "Sources/OATHProtocol"),
        // HOTP/TOTP as ykman drives a YubiKey (issue 19); names on the screen follow BankingProtocol's display rules.
        .target(name: "OATHApplet", dependencies: ["CardOS", "ISO7816", "OATHProtocol", "BankingProtocol"], path: "Firmware/OATHApplet"),
        .target(name: "TokenDevice", dependencies: ["CardOS", "BankingApplet", "PIVApplet", "ISO7816", "CCID", "USB", "OATHApplet"],
                path: "Firmware/TokenDevice"),

        // The POSIX layer under the driver, the emulator, the bench and the test clients: sockets by
        // role, addresses with length checks, EINTR retried in one place, one error type.
        // Foundation-free (the driver links it), imports only the C library.
        .target(name: "POSIX"),

        // System libraries.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),

        // libsqlite3 for the bank's embedded store; libpq for its shared PostgreSQL store.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        .systemLibrary(name: "CLibUSB", path: "Sources/CLibUSB", pkgConfig: "libusb-1.0",
                       providers: [.apt(["libusb-1.0-0-dev"])]),
        // pcsc-lite's ifdhandler.h / reader.h: headers only, never linked (pcscd loads the driver).
        .systemLibrary(name: "CIFDHandler", path: "Sources/CIFDHandler"),
        // libpcsclite, the PC/SC client library, for the PCSC module (never for the driver).
        .systemLibrary(name: "CPCSCLite", path: "Sources/CPCSCLite", pkgConfig: "libpcsclite",
                       providers: [.apt(["libpcsclite-dev"])]),

        // The host platform under the firmware: OpenSSL crypto engine, NVM in memory and in a file.
        .target(name: "HostPlatform", dependencies: ["CardOS", "COpenSSL"]),

        // The emulator's control protocol (README, "Emulator control socket"): the Codable request,
        // reply and event lines that the emulator and its clients (the CLI, the tests) share.
        .target(name: "UKeyControl"),
        // The emulator: hosts the firmware as a USB device over USB/IP, as a vpcd card, with its
        // state on disk, a confirmation screen and a control socket.
        .target(name: "UKeyEmulator",
                dependencies: ["TokenDevice", "HostPlatform", "USBIP", "CCID", "CardOS", "PIVApplet", "ISO7816", "BankingProtocol",
                               "UKeyControl", "POSIX"]),

        // What the `ukey` command line ships besides the emulator: a private pcscd in a mount
        // namespace (also the tests' pcscd) and the driver installer.
        .target(name: "UKeyTools", dependencies: ["UKeyEmulator", "UKeyControl", "POSIX"]),

        // The PC/SC driver: IFDH entry points -> reader/slot model -> CCID host layer -> transport
        // (USB/IP client or libusb).
        .target(name: "UKeyDriver",
                dependencies: ["ISO7816", "USB", "CCID", "USBIP", "CIFDHandler", "CLibUSB", "POSIX"],
                swiftSettings: [.unsafeFlags(["-Xcc", "-I/usr/include/PCSC"])]),

        // Host side.
        // A Swift API over libpcsclite: context, readers, status change and events, card,
        // transaction, control (part 10), attributes; async variants off the cooperative pool.
        .target(name: "PCSC", dependencies: ["CPCSCLite"]),
        .target(name: "UKey", dependencies: ["PCSC", "ISO7816", "COpenSSL", "BankingProtocol", "PIVProtocol", "OATHProtocol"]),
        // The bank's test certificate authority (`ukey ca`, transcripts' `!certify`, the bank's trust anchor file).
        .target(name: "UKeyTestCA", dependencies: ["UKey", "COpenSSL"]),
        // The bank side: verifies what tokens sign (TransferVerifier, policy, challenges, its store).
        .target(name: "UKeyBank", dependencies: ["UKey", "UKeyTestCA", "BankingProtocol", "ISO7816", "COpenSSL", "CSQLite"]),
        // The bank's PostgreSQL store (libpq) and `TransferVerifier.open(directory:database:)`:
        // for `ukey-bank`, so the `ukey` CLI links SQLite only.
        .target(name: "UKeyBankPostgres", dependencies: ["UKeyBank", "CLibPQ"]),
        // The bank as an HTTP service: the Hummingbird application, its routes, JSON errors and metrics.
        // The only library that links the server stack (NIO, Hummingbird); `ukey` and the driver never do.
        .target(name: "UKeyBankServer",
                dependencies: ["UKeyBank", "UKeyBankPostgres", "UKey", "BankingProtocol", "ISO7816",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdTLS", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Metrics", package: "swift-metrics"),
                               .product(name: "Prometheus", package: "swift-prometheus")],
                resources: [.copy("openapi.json")]),
        // Argument groups both command lines take (paths, a transfer): no server code, so `ukey` stays lean.
        .target(name: "UKeyArguments", dependencies: ["UKey", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "UKeyBankCLI",
                          dependencies: ["UKeyBankServer", "UKeyBank", "UKey", "ISO7816", "UKeyBankPostgres", "UKeyArguments",
                                         .product(name: "Logging", package: "swift-log"),
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "UKeyInProcess", dependencies: ["UKey", "HostPlatform", "TokenDevice", "CardOS", "PIVApplet"]),
        .executableTarget(name: "UKeyCLI",
                          dependencies: ["UKeyBank", "UKeyTestCA", "UKeyEmulator", "UKeyControl", "UKeyTools", "UKey", "PCSC", "ISO7816", "UKeyArguments",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // libFuzzer targets, one per parser or state machine that takes untrusted bytes (DEVELOPERS.md,
        // "Fuzzing"): scripts/fuzz.sh builds them with -sanitize=fuzzer,address -D FUZZING; a plain
        // build of each is a replayer of its corpus (Fuzz/<Name>/corpus), run by FuzzCorpusTests.
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        .executableTarget(name: "FuzzDriverReplies", dependencies: ["FuzzSupport", "UKeyDriver", "CCID", "USB", "USBIP"], path: "Fuzz/DriverReplies",
                          exclude: ["corpus"]),
        .executableTarget(name: "FuzzCommandAPDU", dependencies: ["FuzzSupport", "ISO7816"], path: "Fuzz/CommandAPDU",
                          exclude: ["corpus"]),
        .executableTarget(name: "FuzzTLV", dependencies: ["FuzzSupport", "ISO7816"], path: "Fuzz/TLV", exclude: ["corpus"]),
        .executableTarget(name: "FuzzATR", dependencies: ["FuzzSupport", "ISO7816"], path: "Fuzz/ATR", exclude: ["corpus"]),
        .executableTarget(name: "FuzzCCID",
                          dependencies: ["FuzzSupport", "CCID", "USB", "USBIP", "ISO7816", "CardOS", "HostPlatform", "TokenDevice", "PIVApplet"],
                          path: "Fuzz/CCID", exclude: ["corpus"]),
        .executableTarget(name: "FuzzUSBIP", dependencies: ["FuzzSupport", "USB", "USBIP", "ISO7816"], path: "Fuzz/USBIP",
                          exclude: ["corpus"]),
        .executableTarget(name: "FuzzVPCDFraming", dependencies: ["FuzzSupport", "UKeyEmulator", "ISO7816"],
                          path: "Fuzz/VPCDFraming", exclude: ["corpus"]),
        .executableTarget(name: "FuzzBankingApplet",
                          dependencies: ["UKeyTestCA", "FuzzSupport", "PIVApplet", "CardOS", "ISO7816", "HostPlatform", "TokenDevice", "UKey", "COpenSSL"],
                          path: "Fuzz/BankingApplet", exclude: ["corpus"]),
        .executableTarget(name: "UKeyBench",
                          dependencies: ["UKeyBank", "UKeyBankPostgres", "BankTestSupport", "UKeyTestCA", "UKey", "UKeyInProcess", "PCSC", "CPCSCLite", "HostPlatform", "TokenDevice", "CardOS", "PIVApplet",
                                         "ISO7816", "CCID", "USBIP", "COpenSSL", "BankingProtocol", "POSIX", "UKeyTools",
                                         // The bank service's HTTP benchmark (ukey-bench links the server stack; ukey does not).
                                         "UKeyBankServer", .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "ISO7816Tests", dependencies: ["ISO7816"]),
        .testTarget(name: "BankingProtocolTests", dependencies: ["BankingProtocol"]),
        .testTarget(name: "TokenDeviceTests",
                    dependencies: ["TokenDevice", "CardOS", "BankingApplet", "PIVApplet", "CCID", "USB", "USBIP", "ISO7816", "HostPlatform"]),
        .testTarget(name: "CCIDTests", dependencies: ["CCID"]),
        .testTarget(name: "USBTests", dependencies: ["USB", "ISO7816"]),
        .testTarget(name: "USBIPTests", dependencies: ["USBIP", "USB"]),
        .testTarget(name: "CardOSTests", dependencies: ["CardOS", "ISO7816", "HostPlatform"]),
        .testTarget(name: "BankingAppletTests",
                    dependencies: ["BankingApplet", "BankingProtocol", "PIVApplet", "CardOS", "ISO7816", "HostPlatform", "TokenDevice",
                                   "COpenSSL"]),
        // The PIV applet alone and beside the banking applet, APDU by APDU.
        .testTarget(name: "PIVAppletTests",
                    dependencies: ["PIVApplet", "BankingApplet", "CardOS", "ISO7816", "HostPlatform", "TokenDevice", "COpenSSL", "UKey"]),
        .testTarget(name: "UKeyEmulatorTests",
                    dependencies: ["UKeyTestCA", "UKeyEmulator", "UKeyControl", "PCSCTestSupport", "TokenDevice", "CardOS", "PIVApplet", "USB", "USBIP", "CCID",
                                   "ISO7816", "HostPlatform", "UKey", "COpenSSL", "UKeyTools", "POSIX"],
                    resources: [.copy("Scripts")]),
        // Test support shared by the emulator and driver tests: a private pcscd in its own mount
        // namespace, and running helper processes.
        .target(name: "PCSCTestSupport", dependencies: ["PCSC", "UKeyTools", "POSIX"], path: "Tests/PCSCTestSupport"),
        // A private PostgreSQL cluster for the bank's tests and benchmark (initdb, pg_ctl on a unix socket).
        .target(name: "BankTestSupport", path: "Tests/BankTestSupport"),
        .testTarget(name: "UKeyDriverTests",
                    dependencies: ["UKeyDriver", "FuzzDriverReplies", "CIFDHandler", "PCSCTestSupport", "TokenDevice", "PIVApplet", "HostPlatform",
                                   "CardOS", "CCID", "USB", "USBIP", "ISO7816", "POSIX"],
                    resources: [.copy("Scripts")]),
        // The PCSC module: unit tests, and integration tests against one private pcscd with the
        // UKey driver and an emulator process, shared by the whole test process.
        .testTarget(name: "PCSCTests", dependencies: ["PCSC", "CPCSCLite", "PCSCTestSupport"]),
        // The host library end to end: in process, and through pcscd + driver + emulator.
        .testTarget(name: "IntegrationTests", dependencies: ["UKeyBank", "UKeyTestCA", "UKey", "UKeyInProcess", "PCSC", "PCSCTestSupport"]),
        // The `ukey` command line as a user runs it: golden outputs of a whole session on token
        // 1-4 of the PCSCTestStack, `ukey apdu` through stock vpcd, `readers --watch`.
        .testTarget(name: "UKeyCLITests", dependencies: ["PCSCTestSupport", "PCSC"],
                    resources: [.copy("Golden"), .copy("Scripts")]),
        // Issue 8 with stock tools: OpenSC, pkcs11-tool, yubico-piv-tool, curl, OpenSSL and GnuTLS
        // against the PIV applet through opensc-pkcs11 → a private pcscd → our driver → the emulator
        // (a stack of its own: OpenSC opens every reader it sees).
        .testTarget(name: "PIVInteropTests", dependencies: ["PCSCTestSupport"], resources: [.copy("Scripts")]),
        .testTarget(name: "UKeyControlTests", dependencies: ["UKeyControl"]),
        .testTarget(name: "HostPlatformTests", dependencies: ["HostPlatform", "CardOS", "ISO7816", "COpenSSL"]),
        // Replays every fuzz corpus through the plain builds of the fuzz targets.
        .testTarget(name: "FuzzCorpusTests", dependencies: ["PCSCTestSupport"]),
        .testTarget(name: "UKeyTests",
                    dependencies: ["UKeyBank", "UKeyBankPostgres", "BankTestSupport", "PCSCTestSupport", "UKeyTestCA", "UKey", "UKeyInProcess", "HostPlatform", "ISO7816", "COpenSSL"],
                    resources: [.copy("Transcripts")]),
        // The OATH applet APDU by APDU (RFC 4226 / 6238 vectors, every instruction and status), alone and beside the others.
        .testTarget(name: "OATHAppletTests",
                    dependencies: ["OATHApplet", "OATHProtocol", "CardOS", "ISO7816", "HostPlatform", "TokenDevice"]),
        // Issue 19 with stock clients: ykman 4.0.9 (Debian) and 5.x (PyPI venv) against the OATH applet through a
        // private pcscd → our driver → the emulator, every code checked against oathtool.
        .testTarget(name: "OATHInteropTests", dependencies: ["PCSCTestSupport"], resources: [.copy("Scripts")]),
        // `ukey-bank serve` as a process: every route end to end, bad input, four servers on one bank (SQLite and
        // a private PostgreSQL cluster), SIGKILL mid-verification.
        .testTarget(name: "UKeyBankServerTests",
                    dependencies: ["UKeyBankServer", "UKeyBank", "UKeyTestCA", "UKey", "ISO7816", "COpenSSL", "BankTestSupport",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "Logging", package: "swift-log"), "UKeyInProcess"]),
    ],
    swiftLanguageModes: [.v6]
)
