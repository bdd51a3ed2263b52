/// adgen's version, as `adgen --version` prints it and manifests and webhook payloads record it.
public enum AdgenVersion {
    /// The release this build is (semantic versioning).
    public static let current = "0.1.0"
}
