import Foundation
import ISO7816
import Testing
@testable import UKey

/// The transcript grammar: each line kind, bracketed data fields, captures, functions, and
/// malformed lines reported with their line numbers.
@Suite struct TranscriptParserTests {
    /// The single command of a one-line transcript, encoded with `environment`.
    private func encode(_ line: String, _ environment: [String: String] = [:]) throws -> String {
        let transcript = try Transcript(parsing: line)
        guard case .command(let command) = try #require(transcript.lines.first).kind else {
            Issue.record("not a command line: \(line)")
            return ""
        }
        return try command.encode { environment[$0] }.hexString
    }

    @Test("a command without brackets is sent as written", arguments: [
        ("> 00 A4 04 00 06 F0554B455901", "00A4040006F0554B455901"),
        (">00ca010000", "00CA010000"),
        ("> 00 CA 01 10 00 00 00", "00CA0110000000"),
        ("> 00 A4", "00A4"),
    ])
    func unbracketed(line: String, bytes: String) throws {
        #expect(try encode(line) == bytes)
    }

    @Test("a bracketed data field gets its Lc, and the Le after it follows Lc's form", arguments: [
        ("> 00 A4 04 00 [F0554B455901] 00", "00A4040006F0554B45590100"),
        ("> 00 A4 04 00 [F0 55 4B 45 59 01]", "00A4040006F0554B455901"),
        ("> 00 20 00 81 [${ascii:PIN}]", "0020008106313233343536"),
        ("> 00 24 00 81 [${len:ascii:PIN} ${ascii:PIN} ${len:ascii:NEW} ${ascii:NEW}]",
         "00240081" + "0F" + "06313233343536" + "07" + "39383736353433"),
        ("> 00 CA 01 00 [] 00", "00CA010000"),
        ("> 00 CA 01 00 []", "00CA0100"),
        ("> 00 88 00 00 [01] 0000", "00880000" + "000001" + "01" + "0000"),
        ("> 00 88 00 00 [01] 01 00", "00880000" + "000001" + "01" + "0100"),
        ("> 00 CA 01 10 [] 00 00", "00CA0110" + "000000"),
    ])
    func bracketed(line: String, bytes: String) throws {
        #expect(try encode(line, ["PIN": "123456", "NEW": "9876543"]) == bytes)
    }

    @Test("more than 255 data bytes take an extended Lc, and a trailing Le becomes two bytes", arguments: [
        ("", ""), (" 00", "0000"), (" 10", "0010"), (" 0102", "0102"),
    ])
    func extendedLength(le: String, encodedLe: String) throws {
        let data = [UInt8](repeating: 0xAB, count: 300).hexString
        let expected = "00DA0110" + "00012C" + data + encodedLe
        #expect(try encode("> 00 DA 01 10 [${data}]\(le)", ["data": data]) == expected)
    }

    @Test("each line kind parses into its case, comments and blank lines are skipped, numbers kept")
    func lineKinds() throws {
        let text = """
        # a comment

        > 00 A4 04 00 [F0554B455901] 00
        < 6F.. * 9000 =fci
        !tlv ${fci} 6F/84 =aid
        !sha256 00
        \t# an indented comment
        > 00 CA 01 00 00\r
        """
        let transcript = try Transcript(parsing: text)
        #expect(transcript.lines.map(\.number) == [3, 4, 5, 6, 8])
        guard case .response(let pattern, let capture) = transcript.lines[1].kind else {
            Issue.record("line 4 is not a response")
            return
        }
        #expect(pattern.description == "6F.. * 9000")
        #expect(capture == "fci")
        guard case .step(let name, let arguments, let stepCapture) = transcript.lines[2].kind else {
            Issue.record("line 5 is not a step")
            return
        }
        #expect(name == "tlv")
        #expect(arguments.map(\.description) == ["${fci}", "6F/84"])
        #expect(stepCapture == "aid")
        guard case .step("sha256", _, nil) = transcript.lines[3].kind else {
            Issue.record("line 6 is not a step without capture")
            return
        }
        guard case .command = transcript.lines[4].kind else {
            Issue.record("line 8 (CRLF) is not a command")
            return
        }
    }

    @Test("functions compose right to left; an unknown function or variable is an error")
    func functions() throws {
        let lookup: (String) -> String? = { ["PIN": "1234", "data": "A0B0C0"][$0] }
        #expect(try TranscriptTemplate(parsing: "${ascii:PIN}").substitute(lookup) == "31323334")
        #expect(try TranscriptTemplate(parsing: "${len:ascii:PIN}").substitute(lookup) == "04")
        #expect(try TranscriptTemplate(parsing: "${len:data}").substitute(lookup) == "03")
        #expect(try TranscriptTemplate(parsing: "x${data}y").substitute(lookup) == "xA0B0C0y")
        #expect(throws: TranscriptSyntaxError.self) { try TranscriptTemplate(parsing: "${len:PIN:x}").substitute(lookup) }
        #expect(throws: TranscriptSyntaxError.self) { try TranscriptTemplate(parsing: "${len:ascii:nothing}").substitute(lookup) }
    }

    @Test("an unknown variable's error names it but never quotes a value")
    func unknownVariableMessage() throws {
        let error = #expect(throws: TranscriptSyntaxError.self) {
            try TranscriptTemplate(parsing: "${ascii:PUK}").substitute { ["PIN": "424242"][$0] }
        }
        #expect(error?.message.contains("${ascii:PUK}") == true)
        #expect(error?.message.contains("424242") == false)
    }

    @Test("a malformed line fails the parse with its line number", arguments: [
        ("> 00 A4 04 00 [01", 3, "brackets"),
        ("> 00 A4 [01] 00", 3, "4 header bytes"),
        ("> 00 A4 04 00 [01] 00 00 00", 3, "1 or 2 bytes"),
        ("> 0G", 3, "\"G\" cannot appear"),
        ("> 00A", 3, "whole bytes"),
        (">", 3, "empty command"),
        ("> ${ascii:}", 3, "variable name"),
        ("> ${hex:PIN}", 3, "unknown function \"hex\""),
        ("> 00 20 00 81 [${ascii:PIN]", 3, "closing"),
        ("< 90", 3, "status word"),
        ("< * 01 9000", 3, "last data token"),
        ("< 9000 =1x", 3, "not a capture"),
        ("< 9000 x", 3, "\"x\" cannot appear"),
        ("? 00", 3, "a line starts with"),
        ("! certify 00", 3, "!name"),
    ])
    func badLine(line: String, number: Int, fragment: String) throws {
        let text = "# header\n> 00 A4 04 00\n\(line)\n> 00 A4 04 00\n"
        let error = #expect(throws: TranscriptSyntaxError.self) { try Transcript(parsing: text) }
        #expect(error?.line == number)
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error)) lacks \(fragment)")
        #expect(error?.description.hasPrefix("line \(number): ") == true)
    }

    @Test("a response line must directly follow a command line, once", arguments: [
        ("< 9000\n", 1),
        ("> 00 A4 04 00\n< 9000\n< 9000\n", 3),
        ("> 00 A4 04 00\n!sha256 00\n< 9000\n", 3),
    ])
    func responsePlacement(text: String, number: Int) throws {
        let error = #expect(throws: TranscriptSyntaxError.self) { try Transcript(parsing: text) }
        #expect(error?.line == number)
    }

    @Test("the banking applet's personalization transcript parses, and its variables are defined")
    func personalizeTranscript() throws {
        let url = try #require(Bundle.module.url(forResource: "personalize", withExtension: "ukey", subdirectory: "Transcripts"))
        let transcript = try Transcript(parsing: String(contentsOf: url, encoding: .utf8))
        let commands = transcript.lines.filter { if case .command = $0.kind { return true } else { return false } }
        #expect(commands.count == 17)
        #expect(transcript.firstUndefinedReference(environment: ["FACTORY_PIN", "PIN"]) == nil)
        // Without PIN the first use is the CHANGE REFERENCE DATA line.
        let missing = try #require(transcript.firstUndefinedReference(environment: ["FACTORY_PIN"]))
        #expect(missing.line == 30)
        #expect(missing.reference.name == "PIN")
    }
}
