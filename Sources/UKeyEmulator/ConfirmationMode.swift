/// Who decides when a token asks its holder to confirm (`--confirm`).
public enum ConfirmationMode: String, Hashable, Sendable, CaseIterable {
    /// Draw the token's screen on the terminal and read OK / Cancel keys.
    case ask
    /// Press OK through every page at once.
    case approve
    /// Press Cancel at once.
    case deny
    /// Wait for a `press` on the control socket (or the token's own timeout).
    case external
}
