// ukey-bench: UKey's benchmarks. Every figure is reported next to a reference measured in the
// same run, as a ratio (these machines are noisy; absolute numbers alone mean little).
// Options: --seconds S (firmware and verifier rounds), --firmware-only, --verifier-only, --bank-store-only,
// --bank-http-only, --bank-servers-only (needs `ukey-bank` next to ukey-bench), --emulator-only, --host-only, --oath-only, --driver-only (they need the `ukey` binary and libifd-ukey.so next
// to ukey-bench; --driver-only also umockdev, opensc-tool, libccid and valgrind; --no-callgrind
// leaves out its instruction counts), --demo, --oracle-check [--samples N] (DECIPHER padding-oracle check, N per class).
import Foundation

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--oracle-check") {
    let samples = arguments.firstIndex(of: "--samples").flatMap { arguments[safe: $0 + 1] }.flatMap(Int.init) ?? 10_000
    do {
        exit(try OracleCheck.run(samplesPerClass: max(samples, 2)) ? 0 : 1)
    } catch {
        FileHandle.standardError.write(Data("ukey-bench: \(error)\n".utf8))
        exit(2)
    }
} else if arguments.contains("--demo") {
    do {
        try await InProcessDemo.run()
    } catch {
        FileHandle.standardError.write(Data("ukey-bench: \(error)\n".utf8))
        exit(1)
    }
} else {
    let seconds = arguments.firstIndex(of: "--seconds").flatMap { arguments[safe: $0 + 1] }.flatMap(Double.init) ?? 2.0
    let only = ["--firmware-only", "--verifier-only", "--bank-store-only", "--bank-http-only", "--bank-servers-only", "--emulator-only", "--host-only", "--oath-only", "--driver-only"].first { arguments.contains($0) }
    if only == nil || only == "--firmware-only" { try FirmwareBenchmark.run(secondsPerRound: seconds) }
    if only == nil || only == "--verifier-only" { try VerifierBenchmark.run(secondsPerRound: seconds) }
    if only == nil || only == "--bank-store-only" { try BankStoreBenchmark.run() }
    if only == nil || only == "--bank-http-only" { try await BankHTTPBenchmark.run() }
    if only == nil || only == "--bank-servers-only" {
        if let binary = BankServersBenchmark.BankServer.binary() { try BankServersBenchmark.run(binary: binary) } else {
            print("\n## Bank service on PostgreSQL: 4 servers vs 1\n\nskipped: no ukey-bank binary next to ukey-bench")
        }
    }
    // The host library section uses libpcsclite in this process, which fixes its pcscd socket
    // at the first context: it runs once, before anything else could open one.
    if only == nil || only == "--host-only" {
        if let binary = BenchEmulator.binary() { try await HostLibraryBenchmark.run(binary: binary) } else {
            print("\n## Host library\n\nskipped: no ukey binary next to ukey-bench")
        }
    }
    if only == nil || only == "--emulator-only" { try EmulatorBenchmark.run() }
    if only == nil || arguments.contains("--oath-only") { try OATHBenchmark.run() }
    if only == nil || only == "--driver-only" {
        if let binary = BenchEmulator.binary() {
            try DriverBenchmark.run(binary: binary, callgrind: !arguments.contains("--no-callgrind"))
        } else {
            print("\n## Driver vs stock libccid (umockdev)\n\nskipped: no ukey binary next to ukey-bench")
        }
    }
    Headlines.printTable()
}

extension ArraySlice {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
