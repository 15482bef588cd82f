/// The token emulator.
