import CardOS

/// The host hardware under the token firmware: an NVM, the OpenSSL crypto engine, the screen
/// (``HostPresence``) and a clock.
///
/// The memory and the clock are generic so that tests pick ``MemoryNVM`` and ``ManualClock``,
/// and the emulator ``FileNVM`` and ``SystemClock``, with no existentials in the firmware.
/// The firmware is driven by one thread at a time (callers hold a lock); the platform is
/// `Sendable` when its memory and clock are (all the types here are).
public final class HostPlatform<Memory: NonVolatileMemory, Time: TokenClock>: Platform {
    public let memory: Memory
    public let crypto: OpenSSLCryptoEngine
    public let presence: HostPresence
    public let clock: Time

    /// `crypto` may be shared by many platforms (its key cache is locked).
    public init(memory: Memory, crypto: OpenSSLCryptoEngine = OpenSSLCryptoEngine(),
                presence: HostPresence = HostPresence(), clock: Time) {
        self.memory = memory
        self.crypto = crypto
        self.presence = presence
        self.clock = clock
    }
}

extension HostPlatform where Time == SystemClock {
    /// A platform on the host's monotonic clock.
    public convenience init(memory: Memory, crypto: OpenSSLCryptoEngine = OpenSSLCryptoEngine(),
                            presence: HostPresence = HostPresence()) {
        self.init(memory: memory, crypto: crypto, presence: presence, clock: SystemClock())
    }
}

extension HostPlatform: Sendable where Memory: Sendable, Time: Sendable {}
