import Foundation

/// Timing helpers: interleaved rounds so that a noisy neighbour hurts every contender alike.
enum Measure {
    /// Operations per second of `body`, run for about `seconds`.
    static func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = start + UInt64(seconds * 1e9)
        var count = 0
        var now = start
        repeat {
            try body()
            count += 1
            now = DispatchTime.now().uptimeNanoseconds
        } while now < limit
        return Double(count) / (Double(now - start) / 1e9)
    }

    /// Seconds one call of `body` takes, averaged over `count` calls.
    static func duration(count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(count)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func format(_ value: Double, _ decimals: Int = 0) -> String {
        String(format: "%.\(decimals)f", value)
    }
}
