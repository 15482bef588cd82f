import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Clean shutdown on SIGINT and SIGTERM for `ukey emulator run`: the signals are blocked in
/// every thread (call ``blockTerminationSignals()`` first thing, before other threads exist) and
/// one thread takes them with `sigwait`, then runs the handler, which posts the stop to the
/// reactor. SIGPIPE is ignored (sockets use MSG_NOSIGNAL anyway).
enum SignalWatcher {
    /// Blocks SIGINT and SIGTERM in the calling thread (and so in threads it starts later) and
    /// ignores SIGPIPE.
    static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts the thread that waits for SIGINT / SIGTERM and calls `handler` with the signal
    /// number each time one arrives.
    static func start(_ handler: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            while true {
                var number: Int32 = 0
                if sigwait(&set, &number) == 0 { handler(number) }
            }
        }
        thread.name = "ukey-signals"
        thread.start()
    }
}
