/// A webhook URL that passed `WebhookURLPolicy.check`: its parts, ready to be resolved and connected to.
public struct WebhookTarget: Sendable, Equatable {
    /// The URL as given (it is what is requested; the host in it is what TLS verifies).
    public var url: String
    /// `https`, or `http` when insecure URLs are allowed.
    public var scheme: String
    /// The host name or IP address, lowercased, without IPv6 brackets.
    public var host: String
    /// The port: the URL's, or 443 / 80 by scheme.
    public var port: Int

    /// Creates a target.
    public init(url: String, scheme: String, host: String, port: Int) {
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Whether the host is a numeric IP address rather than a name.
    public var isIPLiteral: Bool { AddressClass.classify(host) != nil }
}
