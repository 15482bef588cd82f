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
        .executable(name: "ukey-bench", targets: ["UKeyBench"]),
    ],
    targets: [
        // Wire formats: Foundation-free, Embedded-buildable.
        .target(name: "ISO7816", path: "Sources/ISO7816"),
        .target(name: "CCID", path: "Sources/CCID"),
        .target(name: "USBIP", path: "Sources/USBIP"),

        // Firmware: Foundation-free, Embedded-buildable, reaches the platform only through CardOS's HAL.
        .target(name: "CardOS", dependencies: ["ISO7816"], path: "Firmware/CardOS"),
        .target(name: "BankingApplet", dependencies: ["CardOS", "ISO7816"], path: "Firmware/BankingApplet"),
        .target(name: "TokenDevice", dependencies: ["CardOS", "BankingApplet", "ISO7816"], path: "Firmware/TokenDevice"),

        // System libraries.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),

        // The host platform under the firmware: OpenSSL crypto engine, NVM in memory and in a file.
        .target(name: "HostPlatform", dependencies: ["CardOS", "ISO7816", "COpenSSL"]),

        // Host side.
        .target(name: "UKey", dependencies: ["ISO7816", "COpenSSL"]),
        .target(name: "UKeyInProcess", dependencies: ["UKey", "HostPlatform", "TokenDevice", "CardOS", "ISO7816"]),
        .executableTarget(name: "UKeyBench",
                          dependencies: ["UKey", "UKeyInProcess", "HostPlatform", "TokenDevice", "CardOS", "ISO7816", "COpenSSL"]),

        .testTarget(name: "ISO7816Tests", dependencies: ["ISO7816"]),
        .testTarget(name: "CCIDTests", dependencies: ["CCID"]),
        .testTarget(name: "USBIPTests", dependencies: ["USBIP"]),
        .testTarget(name: "CardOSTests", dependencies: ["CardOS", "ISO7816", "HostPlatform"]),
        .testTarget(name: "BankingAppletTests",
                    dependencies: ["BankingApplet", "CardOS", "ISO7816", "HostPlatform", "TokenDevice", "COpenSSL"]),
        .testTarget(name: "HostPlatformTests", dependencies: ["HostPlatform", "CardOS", "ISO7816", "COpenSSL"]),
        .testTarget(name: "UKeyTests",
                    dependencies: ["UKey", "UKeyInProcess", "HostPlatform", "ISO7816", "COpenSSL"],
                    resources: [.copy("Transcripts")]),
    ],
    swiftLanguageModes: [.v6]
)
