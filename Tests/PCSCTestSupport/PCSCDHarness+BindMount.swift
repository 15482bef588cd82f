extension PCSCDHarness {
    /// A directory or file bind-mounted over `target` inside pcscd's private mount namespace
    /// (`mount --bind SOURCE TARGET`); the rest of the system never sees it.
    public struct BindMount: Sendable, Hashable {
        public var source: String
        public var target: String

        public init(source: String, target: String) {
            self.source = source
            self.target = target
        }

        /// A private drivers directory over the one pcscd 1.9.9 hard-codes (`usbdropdir`), so
        /// that hotplug sees only the bundles a test puts there.
        public static func drivers(_ source: String) -> BindMount {
            BindMount(source: source, target: "/usr/lib/pcsc/drivers")
        }
    }
}
