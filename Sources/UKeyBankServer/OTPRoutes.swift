import Foundation
import Hummingbird
import Logging
import UKeyBank

/// `POST /v1/otp/verify` and `POST /v1/otp/credentials`: dynamic passwords (``OTPVerifier``).
struct OTPRoutes: Sendable {
    let verifier: OTPVerifier?
    let metrics: BankMetrics
    let logger: Logger

    private func otp() throws(BankAPIError) -> OTPVerifier {
        guard let verifier else { throw BankAPIError(.serviceUnavailable, "this bank's store keeps no OTP credentials") }
        return verifier
    }

    private func fields(_ request: Request) async throws -> RequestFields {
        var request = request
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.collectBody(upTo: BankService.maxBodyBytes).readableBytesView)
        } catch {
            metrics.badRequest(route: "otp")
            throw BankAPIError(.contentTooLarge, "the request body is over \(BankService.maxBodyBytes) bytes", field: "body")
        }
        return try refusing { () throws(BankAPIError) in try RequestFields(body: bytes) }
    }

    private func refusing<T>(_ body: () throws(BankAPIError) -> T) throws(BankAPIError) -> T {
        do {
            return try body()
        } catch {
            metrics.badRequest(route: "otp")
            throw error
        }
    }

    /// A non-empty string of at most 256 bytes.
    private static func name(_ fields: RequestFields, _ key: String) throws(BankAPIError) -> String {
        let text = try fields.string(key)
        guard !text.isEmpty, text.utf8.count <= 256 else { throw .badRequest("\(key) must be 1–256 bytes", field: key) }
        return text
    }

    /// `{"holder", "credential", "code"}` → 200 `{"accepted": true}` or `{"accepted": false, "rejection": "…"}`.
    func verify(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let fields = try await fields(request)
        let (holder, credential, code) = try refusing { () throws(BankAPIError) -> (String, String, String) in
            try fields.onlyKeys(["holder", "credential", "code"])
            let holder = try Self.name(fields, "holder")
            let credential = try Self.name(fields, "credential")
            let code = try fields.string("code")
            guard (6...8).contains(code.utf8.count), code.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw .badRequest("code must be 6–8 decimal digits", field: "code")
            }
            return (holder, credential, code)
        }
        let otp = try otp()
        let verdict = try await BankService.offLoop { () throws -> OTPVerdict in try otp.verify(holder: holder, name: credential, code: code) }
        metrics.record(verdict)
        if let rejection = verdict.rejection {
            logger.notice("otp rejected", metadata: ["holder": "\(holder)", "credential": "\(credential)", "reason": "\(rejection.rawValue)"])
        } else {
            logger.info("otp accepted", metadata: ["holder": "\(holder)", "credential": "\(credential)"])
        }
        return JSONResponse.make(status: .ok, verdict)
    }

    /// `{"holder", "name", "type", "algorithm", "digits", "period", "counter", "secret"}` (secret in
    /// base32, as authenticator QR codes carry it) → 201 with the parameters (never the secret);
    /// 409 when the holder has a credential of that name.
    func enroll(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let fields = try await fields(request)
        let enrollment = try refusing { () throws(BankAPIError) -> OTPEnrollment in
            try fields.onlyKeys(["holder", "name", "type", "algorithm", "digits", "period", "counter", "secret"])
            let holder = try Self.name(fields, "holder")
            let name = try Self.name(fields, "name")
            let type = try fields.optionalString("type") ?? "totp"
            guard let kind = OTPKind(rawValue: type) else { throw .badRequest("type must be totp or hotp", field: "type") }
            let algorithmText = try fields.optionalString("algorithm") ?? "SHA1"
            guard let algorithm = OTPAlgorithm(rawValue: algorithmText.uppercased()) else {
                throw .badRequest("algorithm must be SHA1, SHA256 or SHA512", field: "algorithm")
            }
            let digits = fields.object["digits"] == nil ? 6 : Int(try fields.counter("digits"))
            let period = fields.object["period"] == nil ? 30 : Int(try fields.counter("period"))
            let counter = fields.object["counter"] == nil ? 0 : UInt64(try fields.counter("counter"))
            guard let secret = Base32.decode(try fields.string("secret")) else {
                throw .badRequest("secret is not base32", field: "secret")
            }
            let enrollment = OTPEnrollment(holder: holder, name: name, kind: kind, algorithm: algorithm, digits: digits,
                                           period: period, counter: counter, secret: secret)
            do throws(OTPInputError) { try enrollment.validate() } catch { throw .badRequest(error.description, field: error.field) }
            return enrollment
        }
        let otp = try otp()
        let enrolled = try await BankService.offLoop { () throws -> Bool in try otp.enroll(enrollment) }
        guard enrolled else {
            throw BankAPIError(.conflict, "\(enrollment.holder) already has a credential named \(enrollment.name)", field: "name")
        }
        logger.info("otp credential enrolled", metadata: ["holder": "\(enrollment.holder)", "credential": "\(enrollment.name)"])
        struct Enrolled: Encodable {
            let holder, name, type, algorithm: String
            let digits, period: Int
            let counter: UInt64
        }
        return JSONResponse.make(status: .created, Enrolled(holder: enrollment.holder, name: enrollment.name, type: enrollment.kind.rawValue,
                                                            algorithm: enrollment.algorithm.rawValue, digits: enrollment.digits,
                                                            period: enrollment.period, counter: enrollment.counter))
    }
}

/// RFC 4648 base32 (upper or lower case, `=` padding and spaces ignored), as OATH secrets are written.
public enum Base32 {
    public static func decode(_ text: String) -> [UInt8]? {
        var bits: UInt32 = 0
        var count = 0
        var out: [UInt8] = []
        for byte in text.utf8 where byte != 0x3D && byte != 0x20 {
            let value: UInt8
            switch byte {
            case 0x41...0x5A: value = byte - 0x41
            case 0x61...0x7A: value = byte - 0x61
            case 0x32...0x37: value = byte - 0x32 + 26
            default: return nil
            }
            bits = (bits << 5) | UInt32(value)
            count += 5
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out.isEmpty ? nil : out
    }
}
