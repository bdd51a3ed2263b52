#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What kind of network an IP address belongs to; webhooks go to `public` addresses only unless private ones are
/// allowed (`WebhookURLPolicy.allowPrivate`).
public enum AddressClass: String, Sendable {
    /// A globally routable unicast address.
    case `public`
    /// 127.0.0.0/8, ::1.
    case loopback
    /// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), and the deprecated IPv6 site-local fec0::/10.
    case `private`
    /// 169.254.0.0/16 (cloud metadata services live here), fe80::/10.
    case linkLocal = "link-local"
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    case cgnat = "CGNAT"
    /// fc00::/7, IPv6 unique local addresses.
    case uniqueLocal = "unique-local"
    /// 0.0.0.0, :: (reaches the local host on most systems).
    case unspecified
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// Everything else that is not globally routable: 0.0.0.0/8, documentation (192.0.2.0/24, 198.51.100.0/24,
    /// 203.0.113.0/24, 2001:db8::/32, 3fff::/20), benchmarking (198.18.0.0/15), IETF assignments (192.0.0.0/24,
    /// 2001::/23), 240.0.0.0/4 and the broadcast 255.255.255.255, discard (100::/64), and IPv6 outside 2000::/3.
    /// IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16)
    /// are classified by that IPv4 address.
    case reserved

    /// Whether a webhook may go there without `allowPrivate`.
    public var isPublic: Bool { self == .public }

    /// The class of a numeric IPv4 or IPv6 address (an IPv6 zone such as `%eth0` and brackets are ignored), or nil
    /// when `address` is not one.
    public static func classify(_ address: String) -> AddressClass? {
        var text = address
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        if let bytes = ipv4Bytes(text) { return classify(ipv4: bytes) }
        if let bytes = ipv6Bytes(text) { return classify(ipv6: bytes) }
        return nil
    }

    /// The four bytes of a dotted-quad IPv4 address (strict: no shorthand or octal forms).
    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The sixteen bytes of an IPv6 address.
    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func classify(ipv4 b: [UInt8]) -> AddressClass {
        switch (b[0], b[1], b[2]) {
        case _ where b == [0, 0, 0, 0]: .unspecified
        case _ where b == [255, 255, 255, 255]: .reserved
        case (0, _, _): .reserved
        case (10, _, _): .private
        case (100, 64...127, _): .cgnat
        case (127, _, _): .loopback
        case (169, 254, _): .linkLocal
        case (172, 16...31, _): .private
        case (192, 0, 0), (192, 0, 2), (192, 88, 99): .reserved
        case (192, 168, _): .private
        case (198, 18...19, _): .reserved
        case (198, 51, 100), (203, 0, 113): .reserved
        case (224...239, _, _): .multicast
        case (240...255, _, _): .reserved
        default: .public
        }
    }

    static func classify(ipv6 b: [UInt8]) -> AddressClass {
        let embedded = Array(b[12..<16])
        if b[0..<10].allSatisfy({ $0 == 0 }) {
            if b[10] == 0xff, b[11] == 0xff { return classify(ipv4: embedded) }  // ::ffff:a.b.c.d
            if b[10] == 0, b[11] == 0 {
                if b[12..<15].allSatisfy({ $0 == 0 }) {
                    if b[15] == 0 { return .unspecified }
                    if b[15] == 1 { return .loopback }
                }
                return .reserved  // IPv4-compatible ::a.b.c.d, deprecated
            }
            return .reserved
        }
        // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
        if b[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return classify(ipv4: embedded) }
        // 6to4 2002:AABB:CCDD::/48 reaches AA.BB.CC.DD.
        if b[0] == 0x20, b[1] == 0x02 { return classify(ipv4: Array(b[2..<6])) }
        if b[0] == 0xff { return .multicast }
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return .linkLocal }
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return .private }
        if b[0] & 0xfe == 0xfc { return .uniqueLocal }
        if b[0] & 0xe0 != 0x20 { return .reserved }  // outside 2000::/3 global unicast
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0d, b[3] == 0xb8 { return .reserved }  // 2001:db8::/32
        if b[0] == 0x20, b[1] == 0x01, b[2] & 0xfe == 0 { return .reserved }  // 2001::/23
        if b[0] == 0x3f, b[1] == 0xff, b[2] & 0xf0 == 0 { return .reserved }  // 3fff::/20
        return .public
    }
}
