import CardOS
#if canImport(Glibc)
import Glibc
#endif
import HostPlatform
import Synchronization
import Testing

/// Reads every service through the `Platform` protocol, as the firmware does.
private func describe<P: Platform>(_ platform: P) -> (milliseconds: UInt64, timeout: UInt64, record: [UInt8]?) {
    (platform.clock.milliseconds, platform.presence.confirmationTimeout, platform.memory.read(0x0001))
}

@Suite("Host platform: presence, clocks, bundle")
struct PlatformTests {
    @Test("HostPresence records screens and events in order and forwards each to its observer")
    func presence() {
        let seen = Mutex<[String]>([])
        let presence = HostPresence()
        presence.onShow = { screen in seen.withLock { $0.append("show \(screen.page)") } }
        presence.onClear = { seen.withLock { $0.append("clear") } }
        presence.onNotify = { event in seen.withLock { $0.append("notify \(event)") } }
        let pages = (0..<2).map { Screen(lines: ["Payee", "Zhang San"], page: $0, pageCount: 2) }
        presence.show(pages[0])
        presence.notify(.waiting(page: 0, of: 2))
        presence.show(pages[1])
        #expect(presence.currentScreen == pages[1])
        presence.notify(.signed(counter: 7))
        presence.clear()
        #expect(presence.shownScreens == pages)
        #expect(presence.events == [.waiting(page: 0, of: 2), .signed(counter: 7)])
        #expect(presence.currentScreen == nil, "clear blanks the screen")
        #expect(presence.clearCount == 1)
        #expect(seen.withLock { $0 } == ["show 0", "notify waiting(page: 0, of: 2)", "show 1",
                                         "notify signed(counter: 7)", "clear"])
    }

    @Test("the confirmation timeout is two minutes unless set")
    func timeout() {
        let presence = HostPresence()
        #expect(presence.confirmationTimeout == 120_000)
        presence.confirmationTimeout = 5_000
        #expect(presence.confirmationTimeout == 5_000)
        #expect(HostPresence(confirmationTimeout: 30_000).confirmationTimeout == 30_000)
    }

    @Test("the history keeps at least the newest `limit` entries and stays below twice the limit")
    func historyLimit() {
        let presence = HostPresence(historyLimit: 2)
        for counter in 1...4 { presence.notify(.signed(counter: UInt32(counter))) }
        #expect(presence.events == [.signed(counter: 3), .signed(counter: 4)])
        for counter in 5...100 { presence.notify(.signed(counter: UInt32(counter))) }
        #expect(presence.events.count < 4)
        #expect(presence.events.suffix(2) == [.signed(counter: 99), .signed(counter: 100)])
        presence.removeHistory()
        #expect(presence.events.isEmpty)
    }

    @Test("ManualClock moves only when advanced")
    func manualClock() {
        let clock = ManualClock(milliseconds: 1_000)
        #expect(clock.milliseconds == 1_000)
        clock.advance(by: 250)
        clock.advance(by: 0)
        #expect(clock.milliseconds == 1_250)
    }

    @Test("SystemClock is monotonic milliseconds")
    func systemClock() throws {
        let clock = SystemClock()
        let start = clock.milliseconds
        // A blocking sleep: Task.sleep resumes only when the cooperative pool has a free thread,
        // which under a loaded sanitizer run took more than 10 s.
        usleep(30_000)
        let elapsed = clock.milliseconds - start
        #expect(elapsed >= 25 && elapsed < 10_000, "30 ms of sleep reads as about 30 ms")
    }

    @Test("HostPlatform hands the firmware its memory, crypto, presence and clock")
    func bundle() throws {
        let memory = MemoryNVM(records: [0x0001: [42]])
        let clock = ManualClock(milliseconds: 7)
        let presence = HostPresence(confirmationTimeout: 9)
        let crypto = OpenSSLCryptoEngine()
        let platform = HostPlatform(memory: memory, crypto: crypto, presence: presence, clock: clock)
        let seen = describe(platform)
        #expect(seen.milliseconds == 7 && seen.timeout == 9 && seen.record == [42])
        #expect(platform.memory === memory && platform.crypto === crypto && platform.presence === presence)
        let onHostClock = HostPlatform(memory: memory)
        #expect(onHostClock.clock.milliseconds > 0, "the convenience platform runs on the monotonic clock")
    }
}
