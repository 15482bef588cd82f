import UKey

extension TranscriptSteps {
    /// The standard step table: ``TranscriptSteps/withoutCA()`` and `certify`, which issues from `ca`.
    public static func standard(ca: TestCertificateAuthority) -> [String: TranscriptStep] {
        var steps = withoutCA()
        steps["certify"] = { arguments in try certify(arguments, ca: ca) }
        return steps
    }

    /// `certify PUBKEY [SUBJECT…]`: a certificate for the key, subject `CN=UKey Token` unless
    /// given (the remaining arguments joined by spaces: `CN=Zhang San, O=Bank`), valid one year.
    static func certify(_ arguments: [String], ca: TestCertificateAuthority) throws -> String {
        guard let first = arguments.first else { throw TranscriptStepError("usage: certify PUBKEY [SUBJECT]") }
        let key = try publicKey(first)
        let subject = arguments.count > 1 ? arguments.dropFirst().joined(separator: " ") : "CN=UKey Token"
        return try ca.issue(for: key, subject: subject, days: 365).hexString
    }
}
