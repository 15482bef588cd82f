/// A test-support failure with a message for the test log.
struct PCSCDHarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
