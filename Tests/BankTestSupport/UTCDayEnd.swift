import Foundation

/// Daily totals count per UTC day. A test that counts one day's totals on the real clock (child
/// processes, servers) would see them start again at 0 if it ran across midnight: such a test
/// first waits for room, which returns at once unless the day ends within `seconds`, and
/// otherwise waits for the new day.
public enum UTCDayEnd {
    /// How long to wait: 0 unless the UTC day ends within `seconds`.
    public static func wait(forRoom seconds: TimeInterval) -> TimeInterval {
        let left = 86_400 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
        return left < seconds ? left + 1 : 0
    }

    public static func waitForRoom(_ seconds: TimeInterval = 600) {
        Thread.sleep(forTimeInterval: wait(forRoom: seconds))
    }

    public static func waitForRoom(_ seconds: TimeInterval = 600) async throws {
        try await Task.sleep(for: .seconds(wait(forRoom: seconds)))
    }
}
