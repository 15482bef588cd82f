import Foundation
import Testing
import UKey
import UKeyBank

/// `POST /v1/otp/credentials` and `POST /v1/otp/verify` on `ukey-bank serve`, both engines:
/// enrollment, acceptance, replay, bad input with the field, metrics, no secret in the log.
@Suite(.serialized) struct OTPRouteTests {
    static let seed = Array("12345678901234567890".utf8)
    static let seedBase32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    static func verifyBody(holder: Any = "alice", credential: Any = "hotp", code: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["holder": holder, "credential": credential, "code": code], options: [.sortedKeys]),
               as: UTF8.self)
    }

    static let enroll = #"{"holder":"alice","name":"hotp","type":"hotp","secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}"#

    static func badCases() throws -> [BankServiceBadInputTests.Case] {
        let verify = { (body: String, status: Int, field: String?) in BankServiceBadInputTests.Case("POST", "/v1/otp/verify", body, status, field) }
        let enroll = { (body: String, status: Int, field: String?) in BankServiceBadInputTests.Case("POST", "/v1/otp/credentials", body, status, field) }
        func enrolling(_ edit: (inout [String: Any]) -> Void) throws -> String { try edited(Self.enroll, edit) }
        return [
            verify("", 400, "body"),
            verify("{", 400, "body"),
            verify("[]", 400, "body"),
            verify(#"{"credential":"hotp","code":"123456"}"#, 400, "holder"),
            verify(try verifyBody(holder: "", code: "123456"), 400, "holder"),
            verify(try verifyBody(holder: 7, code: "123456"), 400, "holder"),
            verify(try verifyBody(holder: String(repeating: "h", count: 257), code: "123456"), 400, "holder"),
            verify(#"{"holder":"alice","code":"123456"}"#, 400, "credential"),
            verify(try verifyBody(credential: "", code: "123456"), 400, "credential"),
            verify(#"{"holder":"alice","credential":"hotp"}"#, 400, "code"),
            verify(try verifyBody(code: 123456), 400, "code"),
            verify(try verifyBody(code: "12345"), 400, "code"),
            verify(try verifyBody(code: "123456789"), 400, "code"),
            verify(try verifyBody(code: "12345a"), 400, "code"),
            verify(try verifyBody(code: " 123456"), 400, "code"),
            verify(try verifyBody(code: "１２３４５６"), 400, "code"),
            verify(#"{"holder":"alice","credential":"hotp","code":"123456","extra":1}"#, 400, "extra"),
            BankServiceBadInputTests.Case("POST", "/v1/otp/verify", bytes: Array(try verifyBody(code: String(repeating: "1", count: 70_000)).utf8), 413, "body"),
            enroll("", 400, "body"),
            enroll("null", 400, "body"),
            enroll(try enrolling { $0["holder"] = nil }, 400, "holder"),
            enroll(try enrolling { $0["name"] = "" }, 400, "name"),
            enroll(try enrolling { $0["type"] = "motp" }, 400, "type"),
            enroll(try enrolling { $0["algorithm"] = "MD5" }, 400, "algorithm"),
            enroll(try enrolling { $0["digits"] = 5 }, 400, "digits"),
            enroll(try enrolling { $0["digits"] = "6" }, 400, "digits"),
            enroll(try enrolling { $0["type"] = "totp"; $0["period"] = 0 }, 400, "period"),
            enroll(try enrolling { $0["counter"] = -1 }, 400, "counter"),
            enroll(try enrolling { $0["secret"] = nil }, 400, "secret"),
            enroll(try enrolling { $0["secret"] = "not base32!" }, 400, "secret"),
            enroll(try enrolling { $0["secret"] = "GEZDG" }, 400, "secret"),
            enroll(try enrolling { $0["seed"] = "GEZDG" }, 400, "seed"),
        ]
    }

    @Test(arguments: Engine.allCases)
    func enrollVerifyAndRefuseBadInput(engine: Engine) throws {
        let bank = try TemporaryBank()
        let server = try BankServerProcess(bank: bank.url, logLevel: "info", arguments: databaseArguments(try engine.database()))
        defer { server.stop() }
        let port = server.port

        let cases = try Self.badCases()
        for item in cases {
            let reply = try HTTPClient.request(port: port, item.method, item.path, body: item.body)
            #expect(reply.status == item.status, "\(item): \(reply)")
            #expect(reply.json?["error"] is String, "\(item): \(reply)")
            #expect(reply.json?["field"] as? String == item.field, "\(item): \(reply)")
        }
        // Nothing was enrolled by the refusals.
        let unknown = try HTTPClient.post(port: port, "/v1/otp/verify", json: try Self.verifyBody(code: "755224"))
        #expect(unknown.status == 200)
        #expect(unknown.json?["accepted"] as? Bool == false)
        #expect(unknown.json?["rejection"] as? String == "unknownCredential")

        let enrolled = try HTTPClient.post(port: port, "/v1/otp/credentials", json: Self.enroll)
        #expect(enrolled.status == 201, "\(enrolled)")
        #expect(enrolled.json?["counter"] as? Int == 0)
        #expect(enrolled.json?["secret"] == nil)
        #expect(try HTTPClient.post(port: port, "/v1/otp/credentials", json: Self.enroll).status == 409)

        let first = try HTTPClient.post(port: port, "/v1/otp/verify", json: try Self.verifyBody(code: "755224"))
        #expect(first.status == 200)
        #expect(first.json?["accepted"] as? Bool == true)
        #expect(first.json?["rejection"] == nil)
        let again = try HTTPClient.post(port: port, "/v1/otp/verify", json: try Self.verifyBody(code: "755224"))
        #expect(again.json?["accepted"] as? Bool == false)
        #expect(again.json?["rejection"] as? String == "wrongCode")
        // Resynchronised past a skipped code (RFC 4226 counter 3 after 0).
        #expect(try HTTPClient.post(port: port, "/v1/otp/verify", json: try Self.verifyBody(code: "969429")).json?["accepted"] as? Bool == true)

        let metrics = try HTTPClient.get(port: port, "/metrics").text
        #expect(metrics.contains(#"ukey_bank_otp_verifications_total{result="accepted"} 2"#))
        #expect(metrics.contains(#"ukey_bank_otp_verifications_total{result="rejected",reason="wrongCode"} 1"#))
        #expect(metrics.contains(#"ukey_bank_otp_verifications_total{result="rejected",reason="unknownCredential"} 1"#))
        #expect(metrics.contains(#"ukey_bank_bad_requests_total{route="otp"} \#(cases.count)"#))
        let log = server.log
        #expect(log.contains("otp accepted"))
        #expect(!log.contains(Self.seedBase32))
        #expect(!log.contains(Self.seed.hexString))
        #expect(server.stop() == 0)
    }
}
