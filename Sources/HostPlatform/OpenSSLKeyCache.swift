/// The most recently used parsed keys, so that a token signing again with the same blob does not
/// parse its DER again (parsing costs more than an RSA-1024 signature).
///
/// Not synchronized: ``OpenSSLCryptoEngine`` keeps it inside a `Mutex`.
struct OpenSSLKeyCache {
    /// How many keys are kept; 0 disables the cache.
    let capacity: Int
    /// Most recently used first.
    private var keys: [OpenSSLRSAKey] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        keys.reserveCapacity(self.capacity)
    }

    /// The key parsed from exactly these blob bytes, if it is cached; it becomes the most recent.
    mutating func key(for blob: [UInt8]) -> OpenSSLRSAKey? {
        guard let index = keys.firstIndex(where: { $0.blob == blob }) else { return nil }
        let key = keys[index]
        if index != 0 {
            keys.remove(at: index)
            keys.insert(key, at: 0)
        }
        return key
    }

    /// Adds a key as the most recent, dropping the least recently used one when full. A key
    /// dropped here is freed once no running operation holds it.
    mutating func insert(_ key: OpenSSLRSAKey) {
        guard capacity > 0 else { return }
        keys.removeAll { $0.blob == key.blob }
        keys.insert(key, at: 0)
        if keys.count > capacity { keys.removeLast(keys.count - capacity) }
    }

    /// How many keys are cached.
    var count: Int { keys.count }
}
