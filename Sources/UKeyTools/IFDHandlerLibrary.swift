#if canImport(Glibc)
import Glibc
#endif

/// A reader driver as pcscd loads it (pcsc-lite `readerfactory.c`): a shared library that
/// `dlopen` accepts, exporting the IFD handler API v3 entry points of `ifdhandler.h`, which
/// pcscd looks up with `dlsym`. `ukey pcscd start` checks a `--driver` this way before it
/// starts pcscd, so a wrong path fails at once with the reason instead of leaving a pcscd
/// without readers.
package enum IFDHandlerLibrary {
    /// The functions pcscd binds for an API v3 driver (`RFBindFunctions`).
    package static let entryPoints = ["IFDHCreateChannelByName", "IFDHCreateChannel", "IFDHCloseChannel",
                                      "IFDHGetCapabilities", "IFDHSetCapabilities", "IFDHSetProtocolParameters",
                                      "IFDHPowerICC", "IFDHTransmitToICC", "IFDHControl", "IFDHICCPresence"]

    /// Loads `path` (`dlopen`, `RTLD_LAZY | RTLD_LOCAL`) and finds every entry point (`dlsym`);
    /// the error says which step failed. The library stays loaded: a Swift library cannot be
    /// unloaded safely, and the command ends soon after.
    package static func check(_ path: String) throws(PrivatePCSCDError) {
        dlerror()
        guard let handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw PrivatePCSCDError("\(path) is not a driver pcscd can load: \(reason)")
        }
        let missing = entryPoints.filter { dlsym(handle, $0) == nil }
        guard missing.isEmpty else {
            throw PrivatePCSCDError("\(path) is not an IFD handler: it lacks \(missing.joined(separator: ", "))")
        }
    }
}
