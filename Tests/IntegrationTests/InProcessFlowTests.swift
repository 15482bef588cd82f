import Testing
import UKey
import UKeyInProcess

@Suite("The banking flow through the in-process channel")
struct InProcessFlowTests {
    @Test("personalize, confirm a transfer, the bank accepts it and rejects the replay and an altered amount")
    func flow() async throws {
        let card = try InProcessToken.manufactured(serial: [0x55, 0x4B, 0, 0, 0, 0, 0, 0x42], pin: "123456", puk: "87654321",
                                                   confirmation: .approve)
        try await BankingFlow(token: Token(channel: card), factoryPIN: "123456", pressOK: {}).run()
    }
}
