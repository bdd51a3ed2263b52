/// A webhook URL that is refused by the URL policy, or whose host could not be resolved. The message names the
/// URL (without user info, query or fragment, which may carry secrets), says why, and names the override variable
/// when there is one.
public struct WebhookURLError: Error, CustomStringConvertible, Equatable, Sendable {
    enum Code: Equatable, Sendable {
        case notAURL, scheme(String), insecure, userInfo, fragment, noHost, port
        case nonPublic(host: String, address: String, AddressClass)
        case unresolvable(host: String, reason: String)
    }

    let code: Code
    /// The URL without user info, query or fragment.
    public let url: String

    init(_ code: Code, url: String) {
        self.code = code
        self.url = url
    }

    /// The variable that allows plain-HTTP webhook URLs.
    public static let insecureVariable = "ADGEN_ALLOW_INSECURE_WEBHOOKS"
    /// The variable that allows webhook URLs on loopback, private and other non-public addresses.
    public static let privateVariable = "ADGEN_ALLOW_PRIVATE_WEBHOOKS"

    /// Whether the URL policy refused the URL (not retried), rather than its host failing to resolve (a transient
    /// failure worth retrying).
    public var isRefusal: Bool {
        if case .unresolvable = code { return false }
        return true
    }

    /// What is wrong with the URL and how to fix it.
    public var description: String {
        let override = "(environment or server configuration only, never the campaign file)"
        switch code {
        case .notAURL:
            return "webhook URL \(url) is not a valid absolute URL: use https://host/path"
        case .scheme(let scheme):
            return "webhook URL \(url) uses \(scheme):, not https: webhooks are delivered over https only"
        case .insecure:
            return "webhook URL \(url) uses plain http: use https, or set \(Self.insecureVariable)=1 \(override) "
                + "to allow http for local testing"
        case .userInfo:
            return "webhook URL \(url) contains a user name or password: remove it; messages are signed with the "
                + "webhook secret instead"
        case .fragment:
            return "webhook URL \(url) has a #fragment, which is never sent to the server: remove it"
        case .noHost:
            return "webhook URL \(url) has no host: use https://host/path"
        case .port:
            return "webhook URL \(url) has a port outside 1-65535"
        case .nonPublic(let host, let address, let kind):
            let place = host == address ? "is" : "resolves to \(address), which is"
            return "webhook URL \(url) is refused: \(host) \(place) a \(kind.rawValue) address, and webhooks go to "
                + "public addresses only; set \(Self.privateVariable)=1 \(override) to allow it"
        case .unresolvable(let host, let reason):
            return "webhook URL \(url): could not resolve \(host): \(reason)"
        }
    }
}
