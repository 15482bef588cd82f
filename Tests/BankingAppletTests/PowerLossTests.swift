import BankingApplet
import CardOS
import HostPlatform
import ISO7816
import Testing

/// Power is cut at every NVM write index of a command; after the next power-up the token holds
/// the old state or the new one — never a mix — a wrong PIN try is never given back and a
/// counter value is never used twice.
@Suite("Banking applet: power loss at every NVM write")
struct PowerLossTests {
    /// Runs `operation` once to count its NVM writes, then once per write index with power cut
    /// there, handing each rebooted token (and the cut index) to `check`.
    func everyCut(prepare: () -> TokenHarness, operation: (TokenHarness) -> Void,
                  check: (_ before: [RecordID: [UInt8]], _ token: TokenHarness, _ cut: Int) throws -> Void) throws {
        let probe = prepare()
        let start = probe.memory.writeOperations
        operation(probe)
        let writes = probe.memory.writeOperations - start
        #expect(writes > 0, "the operation writes NVM")
        for cut in 0...writes {
            let token = prepare()
            let before = token.memory.committedRecords
            token.memory.cutPower(atWrite: cut)
            operation(token)
            token.powerCycle()
            try check(before, token, cut)
        }
    }

    @Test("VERIFY with a wrong PIN: the try is spent or the state is untouched, never restored")
    func wrongPIN() throws {
        try everyCut(prepare: {
            let token = TokenHarness()
            token.select()
            _ = token.verify("000000")
            return token
        }, operation: { _ = $0.verify("111111") }, check: { before, token, _ in
            token.select()
            let tries = token.pinTries
            #expect(tries == 1 || tries == 2)
            if tries == 2 { #expect(token.memory.committedRecords == before) }
        })
    }

    @Test("VERIFY with the right PIN: a spent try may stay spent, but never more than one")
    func rightPIN() throws {
        try everyCut(prepare: {
            let token = TokenHarness()
            token.select()
            _ = token.verify("000000")
            return token
        }, operation: { _ = $0.verify(TokenHarness.factoryPIN) }, check: { _, token, _ in
            token.select()
            #expect([1, 2, 3].contains(token.pinTries))
        })
    }

    @Test("GENERATE: old key and certificate, or new key and no certificate; the other keys untouched",
          arguments: BankingKey.allCases)
    func generate(key reference: BankingKey) throws {
        try everyCut(prepare: {
            let token = TokenHarness()
            token.personalize(.transfer)
            for key in BankingKey.allCases {
                let publicKey = try! TestRSA(publicKeyObject: key == .transfer ? token.readPublicKey(key).data : token.generate(key))
                precondition(token.send(token.apdu("00DA" + certificateP1P2(key), certificate(modulus: publicKey.modulus,
                                                                                            exponent: publicKey.exponent))).statusWord == .success)
            }
            return token
        }, operation: { token in
            // The transfer key waits for the holder's OK, and the NVM is written after it.
            if case .waiting = token.card.process(token.generateCommand(reference)) { _ = token.approve() }
        }, check: { before, token, _ in
            token.select()
            let records = token.memory.committedRecords
            let oldKey = before[TokenHarness.keyRecord(reference)]
            let newKey = records[TokenHarness.keyRecord(reference)]
            let certificate = records[TokenHarness.certificateRecord(reference)]
            if newKey == oldKey {
                #expect(records == before, "nothing changed")
            } else {
                #expect(certificate == nil, "a new key never keeps the old key's certificate")
                #expect(token.readPublicKey(reference).statusWord == .success)
            }
            for other in BankingKey.allCases where other != reference {
                #expect(records[TokenHarness.keyRecord(other)] == before[TokenHarness.keyRecord(other)])
                #expect(records[TokenHarness.certificateRecord(other)] == before[TokenHarness.certificateRecord(other)])
            }
            #expect(token.transferCounter == 0 && token.authenticationCounter == 0)
        })
    }

    @Test("PUT CERTIFICATE: the old certificate or the new one")
    func putCertificate() throws {
        var der: [UInt8] = []
        try everyCut(prepare: {
            let token = TokenHarness()
            let key = try! TestRSA(publicKeyObject: token.personalize(.transfer))
            der = certificate(modulus: key.modulus, exponent: key.exponent)
            return token
        }, operation: { _ = $0.send($0.apdu("00DA0111", der)) }, check: { before, token, _ in
            let stored = token.memory.committedRecords[TokenHarness.certificateRecord(.transfer)]
            #expect(stored == nil || stored == der)
            if stored == nil { #expect(token.memory.committedRecords == before) }
        })
    }

    @Test("CONFIRM TRANSFER: a counter value that left the card is never used again")
    func confirmTransfer() throws {
        try everyCut(prepare: {
            let token = TokenHarness()
            token.personalize(.transfer)
            return token
        }, operation: { token in
            guard token.confirm(TransferBody().bytes) == nil else { return }
            _ = token.approve()
        }, check: { _, token, _ in
            token.select()
            #expect(token.authenticationCounter == 0)
            let counter = token.transferCounter
            #expect(counter == 0 || counter == 1)
            // Whatever happened, the next signature carries a counter above every earlier one.
            #expect(token.verify(TokenHarness.pin) == .success)
            #expect(token.confirm(TransferBody().bytes) == nil)
            let response = token.approve()
            let dtbs = try #require(try TLV(parsing: response.data).children().first(0x70))
            let value = try #require(try dtbs.children().first(0x87)).value
            #expect(value == [0, 0, 0, UInt8(counter + 1)])
        })
    }

    @Test("a SIGN signature is only answered after its authentication counter value is durable")
    func signatureAfterCommit() throws {
        let token = TokenHarness()
        token.personalize(.authentication)
        let start = token.memory.writeOperations
        _ = token.send(token.apdu("002A9E9A", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 9, count: 32), le: true))
        let writes = token.memory.writeOperations - start
        for cut in 0..<writes {
            let fresh = TokenHarness()
            fresh.personalize(.authentication)
            fresh.memory.cutPower(atWrite: cut)
            let response = fresh.send(fresh.apdu("002A9E9A", TestRSA.sha256DigestInfoPrefix + [UInt8](repeating: 9, count: 32), le: true))
            #expect(response == TokenHarness.noAnswer, "no signature (no answer at all) leaves the card when power fails in the counter write")
            #expect(response.data.isEmpty)
        }
    }
}
