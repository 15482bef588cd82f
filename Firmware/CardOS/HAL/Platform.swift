/// Everything the firmware needs from the hardware it runs on. The firmware is generic over a
/// platform (no existentials), so the same code runs on the host, in tests and on a chip.
public protocol Platform: AnyObject {
    associatedtype Memory: NonVolatileMemory
    associatedtype Crypto: CryptoEngine
    associatedtype Presence: UserPresence
    associatedtype Time: TokenClock

    var memory: Memory { get }
    var crypto: Crypto { get }
    var presence: Presence { get }
    var clock: Time { get }
}
