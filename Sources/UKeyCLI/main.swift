import UKeyEmulator

// `--vpcd` takes an optional value: a bare one is expanded before ArgumentParser sees it.
UKeyCommand.main(EmulatorCommandLine.expandingOptionalValues(Array(CommandLine.arguments.dropFirst())))
