// libFuzzer target for everything the UKey driver parses from a device (CCID bulk and
// interrupt replies, the CCID host layer and a whole reader session, the USB/IP client stream,
// USB descriptors, ATRs and T=1 blocks): `UKeyDriver.parseDeviceReply`.
//
// Two builds of the same file:
// - `scripts/fuzz.sh FuzzDriverReplies SECONDS` builds it with `-sanitize=fuzzer,address
//   -D FUZZING`. SwiftPM links an executable's `main.swift` as its entry point (`--defsym
//   main=FuzzDriverReplies_main`), which shadows libFuzzer's own `main`, so the top-level code
//   hands the command line to libFuzzer with `LLVMFuzzerRunDriver` (libFuzzer's documented
//   entry for programs that keep their `main`).
// - A plain `swift build` gives a corpus replayer: `FuzzDriverReplies FILE|DIR…` feeds every
//   file to the same function (a crash reproducer that runs without the sanitizer toolchain).
import UKeyDriver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if FUZZING

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    parseDeviceReply(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

typealias FuzzerCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: FuzzerCallback) -> CInt

var fuzzerArgc = CommandLine.argc
var fuzzerArgv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzerArgc, &fuzzerArgv) { data, size in
    guard let data, size > 0 else {
        parseDeviceReply([])
        return 0
    }
    return fuzz(data, size)
})

#else

/// The bytes of `path`, or nil if it is not a readable regular file.
func contents(of path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count > 0 { bytes += buffer[0..<count] }
        if count < buffer.count { return ferror(file) == 0 ? bytes : nil }
    }
}

/// `path` itself, or the files directly inside it if it is a directory.
func files(at path: String) -> [String] {
    guard let directory = opendir(path) else { return [path] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(path + "/" + name) }
    }
    return names.sorted()
}

/// Replays every file named on the command line (or in a directory named there).
func replayCorpus() -> Int {
    let arguments = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") }
    if arguments.isEmpty {
        print("usage: FuzzDriverReplies FILE|DIRECTORY…  (replays inputs through parseDeviceReply)")
        exit(2)
    }
    var replayed = 0
    for path in arguments.flatMap(files(at:)) {
        guard let bytes = contents(of: path) else {
            print("skipped \(path): not readable")
            continue
        }
        parseDeviceReply(bytes)
        replayed += 1
    }
    print("FuzzDriverReplies: replayed \(replayed) inputs, no crash")
    return replayed
}

_ = replayCorpus()

#endif
