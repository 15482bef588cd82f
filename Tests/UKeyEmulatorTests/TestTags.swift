import Testing

extension Tag {
    /// Tests that need the USB device side (`TokenDevice`) to answer control and CCID transfers.
    @Tag static var tokenDevice: Self
    /// Tests that start `ukey emulator run` as a separate process.
    @Tag static var process: Self
}
