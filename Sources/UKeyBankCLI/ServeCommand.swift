import ArgumentParser
import Foundation
import Logging
import UKeyArguments
import UKeyBankServer

/// `ukey-bank serve --listen HOST:PORT --bank DIR [--database URL] [--tls-cert F --tls-key F]`: the
/// HTTP API (README, "Bank service"). Prints `ukey-bank: listening on http(s)://HOST:PORT` on standard output once
/// bound (port 0 picks a free one); logs to standard error; stops on SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the bank's HTTP API: challenges, transfers, token status, health, metrics, OpenAPI.",
        discussion: "Example: ukey-bank serve --listen 127.0.0.1:8443 --bank bank")

    @Option(help: "HOST:PORT to listen on (port 0: a free port, printed when bound).")
    var listen = "127.0.0.1:8443"

    @OptionGroup var bank: BankOptions

    @Option(help: "Serve HTTPS with this PEM certificate chain (with --tls-key).", transform: AbsolutePath.file)
    var tlsCert: String?

    @Option(help: "The PEM private key of --tls-cert (a file only the service can read).", transform: AbsolutePath.file)
    var tlsKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port),
              colon != listen.startIndex
        else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8443") }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: not a level: \(logLevel)") }

        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        let tls = tlsCert.flatMap { cert in tlsKey.map { (certificate: cert, key: $0) } }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "ukey-bank")
        logger.logLevel = level
        let verifier = try bank.verifier()
        try await BankService.serve(verifier: verifier, host: host, port: port, tls: tls, logger: logger) { bound in
            FileHandle.standardOutput.write(Data("ukey-bank: listening on \(bound)\n".utf8))
        }
    }
}
