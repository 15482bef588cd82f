import CardOS
import Synchronization

/// The token's screen on the host: it records every page shown and every event (for tests and
/// the emulator's event log) and forwards each one to optional observers (the emulator's
/// control socket, a terminal UI). It decides nothing: button presses reach the card OS
/// elsewhere (``CardOS/press(_:)``).
///
/// `Sendable`: all state, observers included, sits in a `Mutex`; observers run outside it, on
/// the thread that drives the firmware, and may read this object.
public final class HostPresence: UserPresence, Sendable {
    /// Called with each page shown.
    public typealias ScreenObserver = @Sendable (Screen) -> Void
    /// Called when the screen is blanked.
    public typealias ClearObserver = @Sendable () -> Void
    /// Called with each event.
    public typealias EventObserver = @Sendable (TokenEvent) -> Void

    /// The default time the holder has to decide: two minutes.
    public static let defaultConfirmationTimeout: UInt64 = 120_000

    private struct State {
        var shownScreens: [Screen] = []
        var events: [TokenEvent] = []
        var currentScreen: Screen? = nil
        var clearCount = 0
        var confirmationTimeout: UInt64
        var onShow: ScreenObserver?
        var onClear: ClearObserver?
        var onNotify: EventObserver?
    }

    private let state: Mutex<State>
    /// How many screens and events are remembered at least; beyond twice that the oldest are
    /// dropped in one go (amortised O(1) per entry), so a long-running emulator with many
    /// tokens does not grow without bound and a full history costs nothing per screen.
    public let historyLimit: Int

    public init(confirmationTimeout: UInt64 = HostPresence.defaultConfirmationTimeout,
                historyLimit: Int = 256,
                onShow: ScreenObserver? = nil, onClear: ClearObserver? = nil, onNotify: EventObserver? = nil) {
        precondition(historyLimit > 0, "the history keeps at least one entry")
        self.historyLimit = historyLimit
        state = Mutex(State(confirmationTimeout: confirmationTimeout,
                            onShow: onShow, onClear: onClear, onNotify: onNotify))
    }

    // MARK: What happened

    /// Every page shown, oldest first.
    public var shownScreens: [Screen] { state.withLock { $0.shownScreens } }
    /// Every event notified, oldest first.
    public var events: [TokenEvent] { state.withLock { $0.events } }
    /// The page on the screen now; `nil` once cleared (or before anything was shown).
    public var currentScreen: Screen? { state.withLock { $0.currentScreen } }
    /// How many times the screen was blanked.
    public var clearCount: Int { state.withLock { $0.clearCount } }

    /// Forgets the recorded screens and events (observers and timeout stay).
    public func removeHistory() {
        state.withLock {
            $0.shownScreens.removeAll()
            $0.events.removeAll()
            $0.clearCount = 0
        }
    }

    // MARK: Settings

    /// How long the holder has to decide, in milliseconds.
    public var confirmationTimeout: UInt64 {
        get { state.withLock { $0.confirmationTimeout } }
        set { state.withLock { $0.confirmationTimeout = newValue } }
    }

    public var onShow: ScreenObserver? {
        get { state.withLock { $0.onShow } }
        set { state.withLock { $0.onShow = newValue } }
    }

    public var onClear: ClearObserver? {
        get { state.withLock { $0.onClear } }
        set { state.withLock { $0.onClear = newValue } }
    }

    public var onNotify: EventObserver? {
        get { state.withLock { $0.onNotify } }
        set { state.withLock { $0.onNotify = newValue } }
    }

    // MARK: UserPresence

    public func show(_ screen: Screen) {
        let observer = state.withLock { state -> ScreenObserver? in
            HostPresence.append(screen, to: &state.shownScreens, limit: historyLimit)
            state.currentScreen = screen
            return state.onShow
        }
        observer?(screen)
    }

    public func clear() {
        let observer = state.withLock { state -> ClearObserver? in
            state.currentScreen = nil
            state.clearCount += 1
            return state.onClear
        }
        observer?()
    }

    public func notify(_ event: TokenEvent) {
        let observer = state.withLock { state -> EventObserver? in
            HostPresence.append(event, to: &state.events, limit: historyLimit)
            return state.onNotify
        }
        observer?(event)
    }

    private static func append<Element>(_ element: Element, to history: inout [Element], limit: Int) {
        history.append(element)
        if history.count >= 2 * limit { history.removeFirst(history.count - limit) }
    }
}
