import POSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The emulator's one event loop: `poll(2)` over registered descriptors, one timer (the earliest
/// deadline its owner reports) and a wake-up pipe through which other threads post work.
///
/// Everything but ``post(_:)`` must be called on the reactor's thread (the one inside ``run()``),
/// or before ``run()`` starts; that is what makes the token state single-threaded. Nothing in the
/// loop blocks or spins: `poll` sleeps until a descriptor is ready, the deadline comes, or work
/// is posted.
final class Reactor: @unchecked Sendable {
    /// Called with the `revents` of a ready descriptor.
    typealias Handler = (_ revents: Int16) -> Void

    private struct Registration {
        var id: Int
        var events: Int16
        var handler: Handler
    }

    private var registrations: [Int32: Registration] = [:]
    private var nextID = 1
    private var soonQueue: [() -> Void] = []
    private var running = false
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let inbox = Mutex<[@Sendable () -> Void]>([])

    /// The next time (in ``now`` milliseconds) ``onDeadline`` should run, if any.
    var nextDeadline: () -> UInt64? = { nil }
    /// Runs when the deadline from ``nextDeadline`` has come.
    var onDeadline: () -> Void = {}
    /// Runs at the end of every iteration (the emulator flushes its connections here, so that
    /// replies produced by one read leave in one write).
    var afterIteration: () -> Void = {}
    /// The clock of ``nextDeadline``: the monotonic clock in milliseconds.
    let now: () -> UInt64

    init(now: @escaping () -> UInt64) throws(EmulatorError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .system(operation: "pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        self.now = now
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    // MARK: Reactor thread

    /// Watches `fd` for `events` (POLLIN, POLLOUT); replaces an earlier registration of `fd`.
    func register(_ fd: Int32, events: Int16, handler: @escaping Handler) {
        registrations[fd] = Registration(id: nextID, events: events, handler: handler)
        nextID += 1
    }

    /// Changes the events watched on `fd`.
    func update(_ fd: Int32, events: Int16) {
        registrations[fd]?.events = events
    }

    /// Stops watching `fd` (the caller closes it).
    func unregister(_ fd: Int32) {
        registrations[fd] = nil
    }

    /// Runs `work` on this thread before the next `poll`, outside the current handler (for
    /// actions that must not re-enter the code that triggered them).
    func soon(_ work: @escaping () -> Void) {
        soonQueue.append(work)
    }

    /// Ends ``run()`` after the current iteration.
    func stop() {
        running = false
    }

    /// Runs the loop until ``stop()``.
    func run() {
        running = true
        while running {
            // Work queued with `soon` may have produced replies: send them before sleeping.
            if drainSoon() { afterIteration() }
            guard running else { break }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            var ids = [0]
            for (fd, registration) in registrations {
                fds.append(pollfd(fd: fd, events: registration.events, revents: 0))
                ids.append(registration.id)
            }
            let ready = pollRetrying(&fds, milliseconds: timeout())
            if ready < 0 {
                // Only EFAULT/EINVAL/ENOMEM are possible: nothing better to do than wait a little.
                usleep(10_000)
            }
            if ready > 0 {
                if fds[0].revents != 0 { drainInbox() }
                for index in 1..<fds.count where fds[index].revents != 0 {
                    // The handler of an earlier descriptor may have closed this one (and a new
                    // connection may reuse the number): check that the registration is the same.
                    guard let registration = registrations[fds[index].fd], registration.id == ids[index] else { continue }
                    registration.handler(fds[index].revents)
                }
            }
            if let deadline = nextDeadline(), deadline <= now() { onDeadline() }
            afterIteration()
        }
    }

    private func timeout() -> Int32 {
        if !soonQueue.isEmpty { return 0 }
        guard let deadline = nextDeadline() else { return -1 }
        let current = now()
        guard deadline > current else { return 0 }
        return Int32(min(deadline - current, 60_000))
    }

    /// Runs the `soon` queue; returns whether anything ran.
    @discardableResult
    private func drainSoon() -> Bool {
        let ran = !soonQueue.isEmpty
        var rounds = 0
        while !soonQueue.isEmpty && rounds < 64 {
            let work = soonQueue
            soonQueue.removeAll()
            for item in work { item() }
            rounds += 1
        }
        return ran
    }

    /// Runs the work posted so far (the emulator's last step after the loop ended).
    func runPostedWork() {
        drainInbox()
    }

    private func drainInbox() {
        var scratch = [UInt8](repeating: 0, count: 256)
        while scratch.withUnsafeMutableBytes({ read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
        let work = inbox.withLock { items -> [@Sendable () -> Void] in
            defer { items.removeAll() }
            return items
        }
        for item in work { item() }
    }

    // MARK: Any thread

    /// Runs `work` on the reactor's thread soon. Safe from any thread (and from a signal-handling
    /// thread); the wake-up pipe interrupts `poll`.
    func post(_ work: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.append(work) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)   // a full pipe already guarantees a wake-up
    }
}
