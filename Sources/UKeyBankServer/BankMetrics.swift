import Prometheus
import UKeyBank

/// The bank's counters, in Prometheus text at `GET /metrics`:
///
/// - `ukey_bank_transfers_total{verdict="accepted"}` and `{verdict="rejected",reason="<code>"}`
///   for each ``TransferRejection/code`` (all present from the start, at 0);
/// - `ukey_bank_challenges_total{result="issued"|"refused"}`;
/// - `ukey_bank_otp_verifications_total{result="accepted"}` and `{result="rejected",reason="<OTPRejection>"}`;
/// - `ukey_bank_bad_requests_total{route="…"}`: requests refused with a 4xx before any verification.
public final class BankMetrics: Sendable {
    /// Every ``TransferRejection/code``, in the order of the checks.
    public static let rejectionCodes = [
        "malformed", "untrustedCertificate", "certificateExpired", "certificateNotYetValid", "serialMismatch", "badSignature",
        "unknownChallenge", "challengeReused", "challengeExpired", "wrongToken", "fieldsDiffer", "counterNotIncreasing",
        "counterJumped", "counterRegressed", "tokenSuspended", "currencyNotAllowed", "tooManyMinorDigits", "overTransferLimit",
        "overDailyLimit", "overOverallDailyLimit",
    ]
    /// The routes `ukey_bank_bad_requests_total` counts.
    static let routeLabels = ["challenges", "transfers", "tokens", "otp", "other"]

    public let registry: PrometheusCollectorRegistry
    private let accepted: Counter
    private let rejected: [String: Counter]
    private let challengesIssued: Counter
    private let challengesRefused: Counter
    private let badRequests: [String: Counter]
    private let otpAccepted: Counter
    private let otpRejected: [String: Counter]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let transfers = MetricNameDescriptor(namespace: "ukey_bank", metricName: "transfers", unitName: "total",
                                             helpText: "Signed transfers verified, by verdict and rejection code.")
        let challenges = MetricNameDescriptor(namespace: "ukey_bank", metricName: "challenges", unitName: "total",
                                              helpText: "Challenge requests, issued or refused.")
        let bad = MetricNameDescriptor(namespace: "ukey_bank", metricName: "bad_requests", unitName: "total",
                                       helpText: "Requests refused with a 4xx before any verification, by route.")
        accepted = registry.makeCounter(descriptor: transfers, labels: [("verdict", "accepted")])
        var rejected: [String: Counter] = [:]
        for code in Self.rejectionCodes {
            rejected[code] = registry.makeCounter(descriptor: transfers, labels: [("verdict", "rejected"), ("reason", code)])
        }
        self.rejected = rejected
        challengesIssued = registry.makeCounter(descriptor: challenges, labels: [("result", "issued")])
        challengesRefused = registry.makeCounter(descriptor: challenges, labels: [("result", "refused")])
        var badRequests: [String: Counter] = [:]
        for route in Self.routeLabels {
            badRequests[route] = registry.makeCounter(descriptor: bad, labels: [("route", route)])
        }
        self.badRequests = badRequests
        let otp = MetricNameDescriptor(namespace: "ukey_bank", metricName: "otp_verifications", unitName: "total",
                                       helpText: "Dynamic passwords verified, by result and rejection.")
        otpAccepted = registry.makeCounter(descriptor: otp, labels: [("result", "accepted")])
        var otpRejected: [String: Counter] = [:]
        for rejection in OTPRejection.allCases {
            otpRejected[rejection.rawValue] = registry.makeCounter(descriptor: otp, labels: [("result", "rejected"), ("reason", rejection.rawValue)])
        }
        self.otpRejected = otpRejected
    }

    func record(_ verdict: OTPVerdict) {
        switch verdict {
        case .accepted: otpAccepted.increment()
        case .rejected(let rejection): otpRejected[rejection.rawValue]?.increment()
        }
    }

    func record(_ verdict: TransferVerdict) {
        switch verdict {
        case .accepted: accepted.increment()
        case .rejected(let rejection): rejected[rejection.code]?.increment()
        }
    }

    func challenge(issued: Bool) {
        (issued ? challengesIssued : challengesRefused).increment()
    }

    func badRequest(route: String) {
        (badRequests[route] ?? badRequests["other"])?.increment()
    }

    /// The Prometheus text exposition of every metric in the registry.
    public func text() -> [UInt8] {
        registry.emitToBuffer()
    }
}
