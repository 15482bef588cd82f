import ISO7816
import Testing

/// A status word and its ISO/IEC 7816-4 name.
struct StatusWordName: Sendable, CustomTestStringConvertible {
    var rawValue: UInt16
    var name: String
    var testDescription: String { hexWord(rawValue) }

    static let all: [StatusWordName] = [
        StatusWordName(rawValue: 0x9000, name: "normal processing"),
        StatusWordName(rawValue: 0x6110, name: "16 response bytes available (GET RESPONSE)"),
        StatusWordName(rawValue: 0x6100, name: "256 or more response bytes available (GET RESPONSE)"),
        StatusWordName(rawValue: 0x6200, name: "no information given"),
        StatusWordName(rawValue: 0x6212, name: "triggering by the card"),
        StatusWordName(rawValue: 0x6282, name: "end of file or record reached before reading Ne bytes"),
        StatusWordName(rawValue: 0x6300, name: "no information given"),
        StatusWordName(rawValue: 0x63C2, name: "verification failed, 2 tries left"),
        StatusWordName(rawValue: 0x63C1, name: "verification failed, 1 try left"),
        StatusWordName(rawValue: 0x63C0, name: "verification failed, 0 tries left"),
        StatusWordName(rawValue: 0x6401, name: "immediate response required by the card"),
        StatusWordName(rawValue: 0x6581, name: "memory failure"),
        StatusWordName(rawValue: 0x6700, name: "wrong length"),
        StatusWordName(rawValue: 0x6881, name: "logical channel not supported"),
        StatusWordName(rawValue: 0x6883, name: "last command of the chain expected"),
        StatusWordName(rawValue: 0x6982, name: "security status not satisfied"),
        StatusWordName(rawValue: 0x6983, name: "authentication method blocked"),
        StatusWordName(rawValue: 0x6985, name: "conditions of use not satisfied"),
        StatusWordName(rawValue: 0x6A80, name: "incorrect parameters in the command data field"),
        StatusWordName(rawValue: 0x6A82, name: "file or application not found"),
        StatusWordName(rawValue: 0x6A86, name: "incorrect parameters P1-P2"),
        StatusWordName(rawValue: 0x6A88, name: "referenced data or reference data not found"),
        StatusWordName(rawValue: 0x6B00, name: "wrong parameters P1-P2"),
        StatusWordName(rawValue: 0x6C10, name: "wrong Le field, 16 bytes available"),
        StatusWordName(rawValue: 0x6D00, name: "instruction code not supported or invalid"),
        StatusWordName(rawValue: 0x6E00, name: "class not supported"),
        StatusWordName(rawValue: 0x6F00, name: "no precise diagnosis"),
        // Not defined by 7816-4: the name of the SW1 group.
        StatusWordName(rawValue: 0x6999, name: "command not allowed"),
        StatusWordName(rawValue: 0x6A99, name: "wrong parameters P1-P2"),
        StatusWordName(rawValue: 0x6701, name: "wrong length"),
        StatusWordName(rawValue: 0x9123, name: "proprietary"),
        StatusWordName(rawValue: 0x6000, name: "invalid status word"),
        StatusWordName(rawValue: 0x0000, name: "invalid status word"),
    ]
}

@Suite("StatusWord")
struct StatusWordTests {
    @Test("names come from ISO/IEC 7816-4 tables 5 and 6", arguments: StatusWordName.all)
    func names(_ vector: StatusWordName) {
        #expect(StatusWord(vector.rawValue).name == vector.name, "\(hexWord(vector.rawValue)) has its ISO name")
    }

    @Test("the meaning names the SW1 group, then the specific condition")
    func meanings() {
        #expect(StatusWord.securityStatusNotSatisfied.meaning == "command not allowed: security status not satisfied",
                "6982 is in the 69 'command not allowed' group")
        #expect(StatusWord(0x63C1).meaning == "warning, non-volatile memory changed: verification failed, 1 try left",
                "63Cx is a warning that changed NVM (a try was used)")
        #expect(StatusWord.success.meaning == "normal processing", "9000 is not repeated as group and name")
        #expect(StatusWord(0x6A99).meaning == "wrong parameters P1-P2 (6A99 is not defined by ISO/IEC 7816-4)",
                "an undefined SW2 gets its SW1 group and a note")
    }

    @Test("description is the hex value and the name")
    func description() {
        #expect(StatusWord.authenticationMethodBlocked.description == "6983 (authentication method blocked)",
                "traces print the hex value and the name")
        #expect("\(StatusWord(0x6A82))" == "6A82 (file or application not found)", "interpolation uses description")
    }

    @Test("every status word UKey names has an ISO meaning", arguments: [
        StatusWord.success, .bytesAvailable(5), .verificationFailed(triesLeft: 2), .timeout, .memoryFailure,
        .wrongLength, .lastCommandOfChainExpected, .securityStatusNotSatisfied, .authenticationMethodBlocked,
        .referenceDataNotUsable, .conditionsNotSatisfied, .wrongData, .fileNotFound, .notEnoughMemory,
        .wrongP1P2, .referencedDataNotFound, .insNotSupported, .claNotSupported, .noPreciseDiagnosis,
    ])
    func constantsAreDefined(_ statusWord: StatusWord) {
        #expect(!statusWord.meaning.contains("not defined"), "\(statusWord) is named by ISO/IEC 7816-4")
    }

    @Test("bytesAvailable and verificationFailed encode SW2")
    func parameterised() {
        #expect(StatusWord.bytesAvailable(16).rawValue == 0x6110, "61xx carries the count")
        #expect(StatusWord.bytesAvailable(300).rawValue == 0x6100, "256 or more is 6100")
        #expect(StatusWord.verificationFailed(triesLeft: 2).rawValue == 0x63C2, "63Cx carries the tries left")
        #expect(StatusWord.verificationFailed(triesLeft: 99).rawValue == 0x63CF, "tries are capped at 15")
        #expect(StatusWord(sw1: 0x69, sw2: 0x83).bytes == [0x69, 0x83], "bytes are SW1 SW2")
    }

    @Test("9000 and 61xx are success, everything else is not")
    func success() {
        #expect(StatusWord.success.isSuccess, "9000 completes normally")
        #expect(StatusWord(0x6110).isSuccess, "61xx completes normally with more data")
        #expect(!StatusWord(0x6282).isSuccess, "a warning is not success")
        #expect(!StatusWord(0x9001).isSuccess, "proprietary 9xxx is not success")
    }
}
