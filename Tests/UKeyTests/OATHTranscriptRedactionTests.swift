import ISO7816
import Testing
import UKey

/// Transcripts (`ukey script`) hide what traces hide: OATH PUT / SET CODE / VALIDATE data and
/// the answers that are proofs or codes, while the runner still matches on the real bytes.
@Suite struct OATHTranscriptRedactionTests {
    @Test func validateAndCalculateAreHidden() {
        let proof = [UInt8](repeating: 0xCD, count: 20)
        let validate: [UInt8] = [0x00, 0xA3, 0x00, 0x00, 22, 0x75, 20] + proof
        let exchange = TranscriptExchange(line: 1, command: validate, response: ResponseAPDU(data: [0x75, 20] + proof, statusWord: .success))
        #expect(exchange.isRedacted)
        #expect(exchange.hidesResponse)
        #expect(!exchange.description.lowercased().contains("cdcd"), "\(exchange)")
        #expect(exchange.response.data.count == 22)

        let calculate: [UInt8] = [0x00, 0xA2, 0x00, 0x01, 0x08, 0x71, 0x01, 0x61, 0x74, 0x03, 0x00, 0x00, 0x01]
        let code = TranscriptExchange(line: 2, command: calculate, response: ResponseAPDU(data: [0x76, 5, 6, 0x12, 0x34, 0x56, 0x78], statusWord: .success))
        #expect(!code.responseText.contains("12345678"))
        let list = TranscriptExchange(line: 3, command: [0x00, 0xA1, 0x00, 0x00], response: ResponseAPDU(data: [0x72, 0x02, 0x21, 0x61], statusWord: .success))
        #expect(list.responseText == "72022161 9000")
    }
}
