import Foundation
import Hummingbird
import Logging
import Testing
import UKey
import UKeyBank
import UKeyBankServer

/// `ukey-bank serve` as a process: every route end to end with transfers signed by software tokens.
@Suite(.serialized) struct BankServiceRouteTests {
    /// The challenge request body for `transfer` bound to `serial`.
    static func challengeBody(_ transfer: Transfer = ServerFixtures.transfer, serial: [UInt8]? = nil) throws -> String {
        try edited(try jsonText(transfer)) { object in
            if let serial { object["tokenSerial"] = serial.hexString }
        }
    }

    static func issue(port: Int, serial: [UInt8]) throws -> IssuedChallenge {
        let reply = try HTTPClient.post(port: port, "/v1/challenges", json: try challengeBody(serial: serial))
        guard reply.status == 201 else { throw HTTPClientError(description: "challenge: \(reply)") }
        return try JSONDecoder().decode(IssuedChallenge.self, from: Data(reply.body))
    }

    static func verdict(_ reply: HTTPReply) throws -> TransferVerdict {
        guard reply.status == 200 else { throw HTTPClientError(description: "transfer: \(reply)") }
        return try JSONDecoder().decode(TransferVerdict.self, from: Data(reply.body))
    }

    @Test(arguments: Engine.allCases)
    func everyRouteHappyPath(engine: Engine) throws {
        let bank = try TemporaryBank()
        let database = try engine.database()
        let server = try BankServerProcess(bank: bank.url, logLevel: "info", arguments: databaseArguments(database))
        defer { server.stop() }
        let port = server.port

        let health = try HTTPClient.get(port: port, "/healthz")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "ok")

        // Challenge → signed transfer → accepted; the same again → challengeReused.
        let token = try SoftwareToken(serial: ServerFixtures.serial(1))
        let issued = try Self.issue(port: port, serial: token.serial)
        #expect(issued.transfer == ServerFixtures.transfer)
        #expect(issued.tokenSerial == token.serial)
        let signed = try jsonText(try token.sign(issued))
        let first = try Self.verdict(try HTTPClient.post(port: port, "/v1/transfers", json: signed))
        guard case .accepted(let accepted) = first else {
            Issue.record("not accepted: \(first)")
            return
        }
        #expect(accepted.counter == 1)
        #expect(try Self.verdict(try HTTPClient.post(port: port, "/v1/transfers", json: signed)).rejection == .challengeReused)

        // The token's status (the store's: last counter, suspension, today's totals), before and
        // after a regressed counter suspends it; its keys are the OpenAPI schema's.
        let status = try HTTPClient.get(port: port, "/v1/tokens/\(token.serial.hexString)")
        #expect(status.status == 200)
        let tokenStatus = try JSONDecoder().decode(BankTokenStatus.self, from: Data(status.body))
        #expect(tokenStatus.serial == token.serial.hexString)
        #expect(tokenStatus.lastCounter == 1)
        #expect(tokenStatus.suspended == false)
        #expect(tokenStatus.acceptedToday == ["CNY": DecimalAmount("100.00")!])
        #expect(tokenStatus.overallToday == DecimalAmount("100.00")!)
        let schema = try Self.tokenStatusSchema()
        let keys = Set((status.json ?? [:]).keys)
        #expect(keys.isSubset(of: schema.properties) && schema.required.isSubset(of: keys), "\(keys) vs \(schema)")
        #expect(try HTTPClient.get(port: port, "/v1/tokens/0102030405060708").status == 404)
        let later = try Self.issue(port: port, serial: token.serial)
        let replayed = try Self.verdict(try HTTPClient.post(port: port, "/v1/transfers", json: try jsonText(try token.sign(later, counter: 1))))
        #expect(replayed.rejection == .counterRegressed(last: 1, got: 1))
        #expect(try HTTPClient.get(port: port, "/v1/tokens/\(token.serial.hexString)").json?["suspended"] as? Bool == true)
        // A suspended token gets no new challenge: 409 on tokenSerial.
        let refused = try HTTPClient.post(port: port, "/v1/challenges", json: try Self.challengeBody(serial: token.serial))
        #expect(refused.status == 409)
        #expect(refused.json?["field"] as? String == "tokenSerial")

        // Metrics count what happened.
        let metrics = try HTTPClient.get(port: port, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = metrics.text
        #expect(text.contains(#"ukey_bank_transfers_total{verdict="accepted"} 1"#))
        #expect(text.contains(#"ukey_bank_transfers_total{verdict="rejected",reason="challengeReused"} 1"#))
        #expect(text.contains(#"ukey_bank_transfers_total{verdict="rejected",reason="counterRegressed"} 1"#))
        #expect(text.contains(#"ukey_bank_transfers_total{verdict="rejected",reason="badSignature"} 0"#))
        #expect(text.contains(#"ukey_bank_challenges_total{result="issued"} 2"#))
        #expect(text.contains(#"ukey_bank_challenges_total{result="refused"} 1"#))

        let openAPI = try HTTPClient.get(port: port, "/openapi.json")
        #expect(openAPI.status == 200)
        #expect(openAPI.json?["openapi"] as? String == "3.1.0")

        #expect(server.stop() == 0)
        // Logged at info: the verdicts, never a signature or a certificate.
        let log = server.log
        #expect(log.contains("transfer accepted"))
        let decoded = try JSONDecoder().decode(SignedTransfer.self, from: Data(signed.utf8))
        #expect(!log.contains(decoded.signature.hexString))
        #expect(!log.contains(decoded.certificate.hexString))
    }

    @Test func openAPIDocumentListsExactlyTheRoutes() throws {
        let bank = try TemporaryBank()
        let verifier = try BankService.makeVerifier(directory: bank.url, database: nil)
        let router = BankService.router(verifier: verifier, metrics: BankMetrics(), logger: Logger(label: "test"))
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let document = try JSONSerialization.jsonObject(with: Data(BankService.openAPIDocument)) as! [String: Any]
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(routed == documented)
        #expect(routed.count == 8)
    }

    /// The properties and required keys of openapi.json's `TokenStatus`.
    static func tokenStatusSchema() throws -> (properties: Set<String>, required: Set<String>) {
        let document = try JSONSerialization.jsonObject(with: Data(BankService.openAPIDocument)) as! [String: Any]
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let status = try #require(schemas["TokenStatus"] as? [String: Any])
        let properties = try #require(status["properties"] as? [String: Any])
        return (Set(properties.keys), Set(try #require(status["required"] as? [String])))
    }

    @Test func aDatabaseURLThatIsNotPostgresIsRefused() throws {
        let bank = try TemporaryBank()
        #expect(throws: BankError.self) {
            try BankService.makeVerifier(directory: bank.url, database: "mysql://bank@localhost/bank")
        }
    }
}
