import CardOS
import HostPlatform

/// The token's hardware for the fuzzer: NVM in memory (with power cuts), the key pool instead of
/// key generation, a screen that records, and a clock the script moves.
final class AppletFuzzPlatform: Platform {
    let memory: MemoryNVM
    let crypto: KeyPoolCrypto
    let presence = HostPresence(historyLimit: 8)
    let clock: ManualClock

    init(memory: MemoryNVM, crypto: KeyPoolCrypto, clock: ManualClock) {
        self.memory = memory
        self.crypto = crypto
        self.clock = clock
    }
}
