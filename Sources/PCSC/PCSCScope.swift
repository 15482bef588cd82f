import CPCSCLite

/// The scope of a resource manager context (SCARD_SCOPE_*). pcsc-lite accepts every scope and
/// treats them alike; they exist for compatibility with the PC/SC specification.
public enum PCSCScope: UInt, Sendable {
    /// SCARD_SCOPE_USER: in the user's domain.
    case user = 0x0000
    /// SCARD_SCOPE_TERMINAL: in the terminal's domain.
    case terminal = 0x0001
    /// SCARD_SCOPE_SYSTEM: in the system's domain.
    case system = 0x0002
}
