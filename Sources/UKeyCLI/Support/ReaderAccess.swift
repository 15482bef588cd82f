import ArgumentParser
import Foundation
import PCSC
import UKey

/// How a command reaches a card: a PC/SC context (pcscd's socket from `PCSCLITE_CSOCK_NAME`, as
/// `ukey pcscd env` sets it), the reader `--reader` names, and the `--trace` sink on standard error.
struct ReaderAccess {
    let options: CommonOptions
    let context: PCSCContext
    let finder: TokenFinder

    init(options: CommonOptions) throws {
        self.options = options
        do {
            context = try PCSCContext(scope: .system)
        } catch {
            throw CLIError("noPCSCD", "cannot reach pcscd (\(error)); is it running? For a private one: ukey pcscd start, then eval \"$(ukey pcscd env)\"")
        }
        let trace: (@Sendable (String) -> Void)? = options.trace ? { @Sendable line in Output.note("trace " + line) } : nil
        if options.trace {
            let socket = ProcessInfo.processInfo.environment["PCSCLITE_CSOCK_NAME"] ?? "/run/pcscd/pcscd.comm"
            Output.note("trace pcsc SCardEstablishContext via \(socket)")
        }
        finder = TokenFinder(context: context, trace: trace)
    }

    /// Runs `body` with the UKey token of `options` (connected for the call, disconnected after),
    /// its PIN verified first when `pin` is given: the start of every token command.
    static func withToken<Result>(_ options: CommonOptions, pin: PINOptions? = nil,
                                  _ body: (TokenFinder.Found) async throws -> Result) async throws -> Result {
        let found = try await ReaderAccess(options: options).token()
        defer { found.channel.close() }
        if let pin { try await pin.verify(on: found.token) }
        return try await body(found)
    }

    /// The UKey token of `--reader`, or the first reader holding one; with `--wait SECONDS`, the
    /// first one inserted within that time when none is there yet.
    func token() async throws -> TokenFinder.Found {
        guard let seconds = options.waitSeconds else { return try await finder.token(reader: options.reader) }
        // A Result, not `catch .noToken`: that pattern on this typed throw crashes Swift 6.3's SILGen.
        let result: Result<TokenFinder.Found, TokenError>
        do {
            result = .success(try await finder.waitForToken(reader: options.reader, timeout: .milliseconds(Int64(seconds * 1000))))
        } catch {
            result = .failure(error)
        }
        if case .failure(.noToken) = result {
            let shown = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
            throw CLIError("noToken", "no UKey token \(options.reader.map { "in reader \"\($0)\" " } ?? "")within \(shown) s (--wait)")
        }
        return try result.get()
    }

    /// A channel to any card (not only UKey tokens): `--reader`, or the first reader with a card.
    /// With `--wait SECONDS`, looks again every 200 ms until a card is there or the time is up.
    func anyCard() async throws -> (reader: String, channel: any CardChannel, card: PCSCCardChannel) {
        let deadline = options.waitSeconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        while true {
            let result: Result<(reader: String, channel: any CardChannel, card: PCSCCardChannel), TokenError>
            do { result = .success(try await finder.card(reader: options.reader)) } catch { result = .failure(error) }
            if case .failure(.noToken) = result {
                if let deadline, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                throw CLIError("noCard", "no card in \(options.reader.map { "reader \"\($0)\"" } ?? "any reader")"
                               + (options.waitSeconds.map { " within \($0 == $0.rounded() ? String(Int($0)) : String($0)) s (--wait)" } ?? ""))
            }
            return try result.get()
        }
    }

    /// The ATR of the card in `--reader` (or the first reader with a card).
    func atr() async throws -> [UInt8] {
        let card = try await anyCard().card
        defer { card.close() }
        return try card.card.status().atr
    }
}
