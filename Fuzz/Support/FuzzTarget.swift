// The entry point every fuzz target shares. Two builds of the same code:
// - `scripts/fuzz.sh` builds with AddressSanitizer, libFuzzer's coverage instrumentation and
//   `-D FUZZING`, and links libFuzzer's runtime without its `main`: the target keeps its own
//   `main.swift`, and `runFuzzTarget` hands the command line to libFuzzer with
//   `LLVMFuzzerRunDriver` (libFuzzer's documented entry for programs that keep their `main`).
// - A plain `swift build` gives a corpus replayer: `FuzzX FILE|DIR…` feeds every file to the same
//   function (a crash reproducer that runs without the sanitizer toolchain), and
//   `FuzzX --seeds DIR` writes the target's seed corpus.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a fuzz target: `body` gets one input and calls `fatalError` (through ``fuzzRequire``)
/// when an invariant breaks; parsers under test must never trap on their own.
///
/// - Parameters:
///   - name: the executable's name, for messages.
///   - seeds: the seed corpus by file name, written by `--seeds DIR` (built with the code's own
///     serializers, so the seeds are real messages).
public func runFuzzTarget(_ name: String, seeds: @autoclosure () -> [String: [UInt8]] = [:],
                          _ body: @escaping ([UInt8]) -> Void) -> Never {
    #if FUZZING
    fuzzBody = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data, size > 0 else {
            fuzzBody?([])
            return 0
        }
        return LLVMFuzzerTestOneInput(data, size)
    })
    #else
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "--seeds", arguments.count == 2 {
        exit(writeSeeds(seeds(), to: arguments[1], name: name))
    }
    let paths = arguments.filter { !$0.hasPrefix("-") }
    guard !paths.isEmpty else {
        print("usage: \(name) FILE|DIRECTORY…   replays inputs (a plain build; scripts/fuzz.sh fuzzes)")
        print("       \(name) --seeds DIRECTORY  writes the seed corpus")
        exit(2)
    }
    var replayed = 0
    for path in paths.flatMap(FuzzFiles.entries(of:)) {
        guard let bytes = FuzzFiles.contents(of: path) else {
            print("\(name): cannot read \(path)")
            exit(1)
        }
        body(bytes)
        replayed += 1
    }
    print("\(name): replayed \(replayed) inputs, no crash")
    exit(replayed > 0 ? 0 : 1)
    #endif
}

/// Stops the fuzz run with `message` when `condition` is false: libFuzzer saves the input.
public func fuzzRequire(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                        file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    fatalError("invariant violated: " + message(), file: file, line: line)
}

private func writeSeeds(_ seeds: [String: [UInt8]], to directory: String, name: String) -> Int32 {
    mkdir(directory, 0o755)
    for (file, bytes) in seeds.sorted(by: { $0.key < $1.key }) {
        guard FuzzFiles.write(bytes, to: directory + "/" + file) else {
            print("\(name): cannot write \(directory)/\(file)")
            return 1
        }
    }
    print("\(name): wrote \(seeds.count) seeds to \(directory)")
    return 0
}

#if FUZZING
/// The body libFuzzer calls (one per process).
nonisolated(unsafe) private var fuzzBody: (([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzBody?(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

typealias FuzzerCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: FuzzerCallback) -> CInt
#endif
