import Foundation
import Testing
import UKey
import UKeyBank

/// Every route refuses bad input with the exact 4xx and the field at fault, writes nothing, and
/// keeps serving.
@Suite(.serialized) struct BankServiceBadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var method: String
        var path: String
        var body: [UInt8]?
        var status: Int
        var field: String?
        var description: String { "\(method) \(path) \(String(decoding: (body ?? []).prefix(60), as: UTF8.self)) → \(status) \(field ?? "-")" }

        init(_ method: String, _ path: String, _ body: String?, _ status: Int, _ field: String?) {
            self.init(method, path, body.map { Array($0.utf8) }, status, field)
        }

        init(_ method: String, _ path: String, bytes: [UInt8]?, _ status: Int, _ field: String?) {
            self.init(method, path, bytes, status, field)
        }

        private init(_ method: String, _ path: String, _ body: [UInt8]?, _ status: Int, _ field: String?) {
            self.method = method
            self.path = path
            self.body = body
            self.status = status
            self.field = field
        }
    }

    static func challengeCases() throws -> [Case] {
        let good = try jsonText(ServerFixtures.transfer)
        func with(_ edit: (inout [String: Any]) -> Void) throws -> String { try edited(good, edit) }
        let post = { (body: String, status: Int, field: String?) in Case("POST", "/v1/challenges", body, status, field) }
        return [
            post("", 400, "body"),
            post("{", 400, "body"),
            post("[]", 400, "body"),
            post("\"text\"", 400, "body"),
            try post(with { $0["payeeAccount"] = nil }, 400, "payeeAccount"),
            try post(with { $0["payeeName"] = nil }, 400, "payeeName"),
            try post(with { $0["amount"] = nil }, 400, "amount"),
            try post(with { $0["payeeAccount"] = 42 }, 400, "payeeAccount"),
            try post(with { $0["amount"] = 100 }, 400, "amount"),
            try post(with { $0["reference"] = ["x"] }, 400, "reference"),
            try post(with { $0["amount"] = "abc" }, 422, "amount"),
            try post(with { $0["amount"] = "0" }, 422, "amount"),
            try post(with { $0["amount"] = "1.0001" }, 422, "amount"),
            try post(with { $0["payeeAccount"] = "de89 3704" }, 422, "payeeAccount"),
            try post(with { $0["payeeName"] = "" }, 422, "payeeName"),
            try post(with { $0["currency"] = "cny" }, 422, "currency"),
            try post(with { $0["currency"] = "XYZ" }, 422, "currency"),
            try post(with { $0["amount"] = "1.001" }, 422, "amount"),
            try post(with { $0["amount"] = "999999999" }, 422, "amount"),
            try post(with { $0["tokenSerial"] = "zz" }, 400, "tokenSerial"),
            try post(with { $0["tokenSerial"] = 7 }, 400, "tokenSerial"),
            try post(with { $0["accountHolder"] = "" }, 400, "accountHolder"),
            try post(with { $0["amout"] = "1.00" }, 400, "amout"),
            Case("POST", "/v1/challenges", bytes: Array(try with { $0["reference"] = String(repeating: "A", count: 70_000) }.utf8), 413, "body"),
        ]
    }

    static func transferCases(_ signed: String) throws -> [Case] {
        func with(_ edit: (inout [String: Any]) -> Void) throws -> String { try edited(signed, edit) }
        let post = { (body: String, status: Int, field: String?) in Case("POST", "/v1/transfers", body, status, field) }
        let object = try JSONSerialization.jsonObject(with: Data(signed.utf8)) as! [String: Any]
        let counter = object["counter"] as! Int
        return [
            post("", 400, "body"),
            post("{\"dtbs\": ", 400, "body"),
            post("null", 400, "body"),
            post("[1, 2]", 400, "body"),
            try post(with { $0["dtbs"] = nil }, 400, "dtbs"),
            try post(with { $0["signature"] = nil }, 400, "signature"),
            try post(with { $0["certificate"] = nil }, 400, "certificate"),
            try post(with { $0["transfer"] = nil }, 400, "transfer"),
            try post(with { $0["counter"] = nil }, 400, "counter"),
            try post(with { $0["signature"] = "xyz" }, 400, "signature"),
            try post(with { $0["certificate"] = "ABC" }, 400, "certificate"),
            try post(with { $0["challenge"] = "" }, 400, "challenge"),
            try post(with { $0["tokenSerial"] = true }, 400, "tokenSerial"),
            try post(with { $0["counter"] = "\(counter)" }, 400, "counter"),
            try post(with { $0["counter"] = -1 }, 400, "counter"),
            try post(with { $0["counter"] = 1.5 }, 400, "counter"),
            try post(with { $0["counter"] = counter + 1 }, 400, "counter"),
            try post(with { $0["transfer"] = "payee" }, 400, "transfer"),
            try post(with { $0["transfer"] = ["payeeName": "Zhang San"] }, 400, "transfer.payeeAccount"),
            try post(with { var t = $0["transfer"] as! [String: Any]; t["amount"] = 5; $0["transfer"] = t }, 400, "transfer.amount"),
            try post(with { var t = $0["transfer"] as! [String: Any]; t["amount"] = "100.01"; $0["transfer"] = t }, 400, "transfer"),
            try post(with { $0["dtbs"] = "700100" }, 400, "dtbs"),
            try post(with { $0["challenge"] = "00" }, 400, "challenge"),
            try post(with { $0["tokenSerial"] = "00" }, 400, "tokenSerial"),
            try post(with { $0["extra"] = 1 }, 400, "extra"),
            Case("POST", "/v1/transfers", bytes: Array(try with { $0["padding"] = String(repeating: "0", count: 65_536) }.utf8), 413, "body"),
        ]
    }

    static let otherCases: [Case] = [
        Case("GET", "/v1/tokens/zz", nil, 400, "serial"),
        Case("GET", "/v1/tokens/ABC", nil, 400, "serial"),
        Case("GET", "/v1/tokens/" + String(repeating: "AB", count: 40), nil, 400, "serial"),
        // A well-formed serial the bank never saw.
        Case("GET", "/v1/tokens/0102030405060708", nil, 404, "serial"),
        Case("GET", "/v1/nowhere", nil, 404, nil),
        // Hummingbird answers a known path with another method as an unknown route.
        Case("GET", "/v1/transfers", nil, 404, nil),
    ]

    @Test(arguments: Engine.allCases)
    func everyRouteRefusesBadInputWithTheField(engine: Engine) throws {
        let bank = try TemporaryBank()
        let server = try BankServerProcess(bank: bank.url, arguments: databaseArguments(try engine.database()))
        defer { server.stop() }
        let port = server.port
        let token = try SoftwareToken(serial: ServerFixtures.serial(2))
        let issued = try BankServiceRouteTests.issue(port: port, serial: token.serial)
        let signed = try jsonText(try token.sign(issued))

        let cases = try Self.challengeCases() + Self.transferCases(signed) + Self.otherCases
        for item in cases {
            let reply = try HTTPClient.request(port: port, item.method, item.path, body: item.body)
            #expect(reply.status == item.status, "\(item): \(reply)")
            #expect(reply.headers["content-type"] == "application/json", "\(item)")
            let json = reply.json
            #expect(json?["error"] is String, "\(item): \(reply)")
            #expect(json?["field"] as? String == item.field, "\(item): \(reply)")
        }

        // Nothing above wrote anything: the challenge is still unused, the transfer is accepted.
        let verdict = try BankServiceRouteTests.verdict(try HTTPClient.post(port: port, "/v1/transfers", json: signed))
        #expect(verdict.isAccepted)
        #expect(try HTTPClient.get(port: port, "/healthz").status == 200)
        let metrics = try HTTPClient.get(port: port, "/metrics").text
        #expect(metrics.contains(#"ukey_bank_transfers_total{verdict="accepted"} 1"#))
        #expect(metrics.contains(#"ukey_bank_transfers_total{verdict="rejected",reason="malformed"} 0"#))
        #expect(metrics.contains(#"ukey_bank_bad_requests_total{route="transfers"} \#(try Self.transferCases(signed).count)"#))
        #expect(server.stop() == 0)
    }
}
