/// A test-support failure with a message for the test log.
public struct PCSCDHarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
