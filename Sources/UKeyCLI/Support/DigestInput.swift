import ArgumentParser
import UKey

extension DigestAlgorithm: ExpressibleByArgument {}

/// What `ukey token sign` and `ukey piv sign` sign: data, hashed here, or a precomputed digest.
struct DigestInput: ParsableArguments {
    @Argument(help: "The data to sign (`-` for standard input).")
    var file: String?

    @Option(help: "A precomputed digest in hex instead of data.")
    var digest: String?

    @Option(help: "The digest's algorithm: sha256 or sha1.")
    var algorithm: DigestAlgorithm = .sha256

    /// `--digest` as given, or the hash of the data; exactly one of them.
    func hash() throws -> [UInt8] {
        switch (digest, file) {
        case (let digest?, nil):
            guard let bytes = [UInt8](hex: digest) else { throw CLIError("badHex", "--digest is not hex") }
            return bytes
        case (nil, let file?):
            return algorithm.hash(Array(try Files.read(file)))
        default:
            throw CLIError("usage", "give either data (a FILE or -) or --digest HEX")
        }
    }
}
