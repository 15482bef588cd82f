#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with one condition variable on the monotonic clock: the driver's state
/// shared between pcscd's threads and the transport's receive thread. (Foundation is not
/// linked into the driver, so no NSCondition.)
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Takes the lock if it is free.
    func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Wakes every waiter. Call with the lock held.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits (lock held) until woken or `deadline` passes; `false` when the deadline passed.
    @discardableResult
    func wait(until deadline: Deadline) -> Bool {
        var time: timespec = deadline.cTimespec
        return pthread_cond_timedwait(condition, mutex, &time) != ETIMEDOUT
    }
}

/// A point on the monotonic clock.
struct Deadline: Comparable, Sendable {
    var nanoseconds: UInt64

    static var now: Deadline {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Deadline(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    static func after(milliseconds: Int) -> Deadline {
        Deadline(nanoseconds: now.nanoseconds + UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds left, 0 once passed.
    var remainingMilliseconds: Int {
        let now = Deadline.now.nanoseconds
        return nanoseconds > now ? Int((nanoseconds - now + 999_999) / 1_000_000) : 0
    }

    var hasPassed: Bool { Deadline.now >= self }

    var cTimespec: timespec {
        timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }

    static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}

/// Starts a detached pthread running `body` (the transport's receive loop).
func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        return false
    }
    pthread_detach(thread)
    return true
}
