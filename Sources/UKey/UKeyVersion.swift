/// The version of UKey's host tools (`ukey --version`), spelled here once.
public enum UKeyVersion {
    public static let string = "2.0.0"
}
