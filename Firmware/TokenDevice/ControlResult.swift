/// The answer to a control transfer.
public enum ControlResult: Sendable, Equatable {
    /// IN data stage (already cut to wLength).
    case data([UInt8])
    /// Status stage only (OUT requests, or IN requests with nothing to say).
    case ok
    /// The request is not supported: the endpoint stalls (-EPIPE in USB/IP).
    case stall
}
