import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which webhook URLs adgen sends to. By default only `https` URLs whose host is, and resolves to, public
/// addresses only: a campaign file must not be able to make adgen post to the machine it runs on, its private
/// network or a cloud metadata service. The overrides come from the environment or the server's configuration,
/// never from a campaign file.
public struct WebhookURLPolicy: Sendable, Equatable {
    /// Whether `http://` URLs are allowed (`ADGEN_ALLOW_INSECURE_WEBHOOKS=1`).
    public var allowInsecure: Bool
    /// Whether loopback, private, link-local, CGNAT, unique-local and other non-public addresses are allowed
    /// (`ADGEN_ALLOW_PRIVATE_WEBHOOKS=1`).
    public var allowPrivate: Bool

    /// A policy; the defaults refuse plain HTTP and non-public addresses.
    public init(allowInsecure: Bool = false, allowPrivate: Bool = false) {
        self.allowInsecure = allowInsecure
        self.allowPrivate = allowPrivate
    }

    /// The policy the environment asks for: `ADGEN_ALLOW_INSECURE_WEBHOOKS` and `ADGEN_ALLOW_PRIVATE_WEBHOOKS`
    /// set to `1` or `true` (any case); anything else leaves the safe default.
    public init(environment: [String: String]) {
        func enabled(_ name: String) -> Bool {
            let value = environment[name]?.trimmingCharacters(in: .whitespaces).lowercased()
            return value == "1" || value == "true"
        }
        self.init(
            allowInsecure: enabled(WebhookURLError.insecureVariable),
            allowPrivate: enabled(WebhookURLError.privateVariable))
    }

    /// Checks the form of `url`: `https` (or `http` when `allowInsecure`), a host, no user info, no fragment, a
    /// valid port; a numeric host is classified here already. Names are classified by `resolve(_:)`.
    public func check(_ url: String) throws(WebhookURLError) -> WebhookTarget {
        let shown = Self.redacted(url)
        guard let components = URLComponents(string: url), let rawScheme = components.scheme else {
            throw WebhookURLError(.notAURL, url: shown)
        }
        let scheme = rawScheme.lowercased()
        switch scheme {
        case "https": break
        case "http": if !allowInsecure { throw WebhookURLError(.insecure, url: shown) }
        default: throw WebhookURLError(.scheme(scheme), url: shown)
        }
        if components.user != nil || components.password != nil { throw WebhookURLError(.userInfo, url: shown) }
        if components.fragment != nil { throw WebhookURLError(.fragment, url: shown) }
        // The host as the HTTP client will see it (`URL.host`), so the pinned name matches.
        guard var host = URL(string: url)?.host, !host.isEmpty else { throw WebhookURLError(.noHost, url: shown) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.lowercased()
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65_535).contains(port) else { throw WebhookURLError(.port, url: shown) }
        if let kind = AddressClass.classify(host), !kind.isPublic, !allowPrivate {
            throw WebhookURLError(.nonPublic(host: host, address: host, kind), url: shown)
        }
        return WebhookTarget(url: url, scheme: scheme, host: host, port: port)
    }

    /// Resolves the target's host (`getaddrinfo`, on NIO's blocking-I/O thread pool), classifies every address
    /// and refuses the target when any of them is not public (unless `allowPrivate`). Returns the one address to
    /// connect to — the first IPv4 address, else the first — so the address connected is the address checked.
    public func resolve(_ target: WebhookTarget) async throws(WebhookURLError) -> String {
        let shown = Self.redacted(target.url)
        if let kind = AddressClass.classify(target.host) {
            if !kind.isPublic, !allowPrivate {
                throw WebhookURLError(.nonPublic(host: target.host, address: target.host, kind), url: shown)
            }
            return target.host
        }
        let host = target.host
        let result: Result<[String], Resolution.Failure>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { Resolution.addresses(of: host) }
        } catch {
            throw WebhookURLError(.unresolvable(host: host, reason: "the resolver is not running"), url: shown)
        }
        let addresses: [String]
        switch result {
        case .success(let found): addresses = found
        case .failure(let failure):
            throw WebhookURLError(.unresolvable(host: host, reason: failure.reason), url: shown)
        }
        if !allowPrivate {
            for address in addresses {
                let kind = AddressClass.classify(address) ?? .reserved
                if !kind.isPublic {
                    throw WebhookURLError(.nonPublic(host: host, address: address, kind), url: shown)
                }
            }
        }
        return addresses.first { AddressClass.ipv4Bytes($0) != nil } ?? addresses[0]
    }

    /// `url` without user info, query or fragment, which may carry secrets.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else {
            let cut = url.firstIndex { $0 == "?" || $0 == "#" || $0 == "@" } ?? url.endIndex
            return String(url[..<cut]) + (cut == url.endIndex ? "" : "…")
        }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "the webhook URL"
    }
}

/// Numeric addresses of a host name through the system resolver.
enum Resolution {
    struct Failure: Error {
        var reason: String
    }

    static func addresses(of host: String) -> Result<[String], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(Failure(reason: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(first) }
        var addresses = [String]()
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: 1025)  // NI_MAXHOST
            if let address = current.pointee.ai_addr,
                getnameinfo(
                    address, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                    == 0
            {
                let text = String(cString: buffer)
                if !addresses.contains(text) { addresses.append(text) }
            }
            entry = current.pointee.ai_next
        }
        if addresses.isEmpty { return .failure(Failure(reason: "no addresses")) }
        return .success(addresses)
    }
}
