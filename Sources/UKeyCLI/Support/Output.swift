import ArgumentParser
import Foundation
import UKey

/// How a command prints its result and its failure: text for people, `--json` for scripts.
/// Errors are one line on standard error (and, with `--json`, an `{"error": …}` object on
/// standard output) and exit status 1.
enum Output {
    /// Prints `value` as JSON (sorted keys, indented) or the text `human` makes.
    static func emit<Value: Encodable>(_ value: Value, json: Bool, human: (Value) -> String) throws {
        if json {
            print(try jsonText(value))
        } else {
            let text = human(value)
            if !text.isEmpty { print(text) }
        }
    }

    static func jsonText<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// One JSON object on one line (sorted keys): for event streams.
    static func jsonLine<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A line on standard error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs a command's body; a failure becomes one clear line and exit status 1.
    static func run(json: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let failure = Failure(error)
            if json { print((try? jsonText(failure)) ?? "{}") }
            note("ukey: \(failure.message)")
            throw ExitCode(1)
        }
    }

    /// The JSON form of a failure: a stable code and the message.
    struct Failure: Encodable {
        let error: String
        let message: String
        var triesLeft: Int?

        init(_ error: any Error) {
            switch error {
            case let token as TokenError:
                self.error = token.code
                message = token.description
                switch token {
                case .wrongPIN(let tries), .wrongPUK(let tries): triesLeft = tries
                default: break
                }
            case let cli as CLIError:
                self.error = cli.code
                message = cli.description
            default:
                self.error = "failed"
                message = ErrorText.describe(error)
            }
        }
    }
}

/// A command-line mistake or a missing input, with the sentence that tells the user what to do.
struct CLIError: Error, CustomStringConvertible {
    let code: String
    let description: String

    init(_ code: String, _ description: String) {
        self.code = code
        self.description = description
    }
}
