import AdgenCore
import Crypto
import Foundation

/// The API keys a server accepts, kept as SHA-256 digests (never the keys), each naming its tenant. A request's key is
/// hashed and compared with every digest in constant time, so timing tells nothing about how close a guess was.
struct APIKeys: Sendable {
    struct Entry: Sendable {
        var digest: [UInt8]
        var tenant: String
    }

    let entries: [Entry]

    /// Keys as the operator gives them: `ADGEN_API_KEYS` (comma-separated keys; each key's tenant is `t_` and the
    /// first 12 hex digits of its digest) and `adgen.yaml`'s `server.api_keys` (digests with tenant names).
    init(keys: [String], digests: [(sha256: String, tenant: String)] = []) {
        entries =
            keys.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { key in
                let digest = Array(SHA256.hash(data: Array(key.utf8)))
                return Entry(digest: digest, tenant: "t_" + Hex.string(digest).prefix(12))
            }
            + digests.compactMap { entry in
                Self.bytes(hex: entry.sha256).map { Entry(digest: $0, tenant: entry.tenant) }
            }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The tenant of `key`, or nil. Every entry is compared, in constant time each.
    func tenant(of key: String) -> String? {
        let digest = Array(SHA256.hash(data: Array(key.utf8)))
        var found: String?
        for entry in entries where Self.equalInConstantTime(entry.digest, digest) { found = entry.tenant }
        return found
    }

    /// Whether `a` and `b` are the same bytes, in a time that depends on their length only.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    static func bytes(hex: String) -> [UInt8]? {
        let characters = Array(hex.lowercased().utf8)
        guard characters.count == 64 else { return nil }
        var bytes = [UInt8]()
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: characters[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}

/// Read-only links to one batch's gallery, events and images, for a browser that cannot send a bearer key: an HMAC of
/// the tenant, the batch and an expiry under the server's secret.
struct ViewTokens: Sendable {
    let key: SymmetricKey
    /// How long a token lasts.
    var lifetime: TimeInterval = 7 * 24 * 3600

    init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    func token(tenant: String, batch: String, now: Date) -> String {
        let expiry = Int(now.timeIntervalSince1970 + lifetime)
        return "\(expiry).\(signature(tenant: tenant, batch: batch, expiry: expiry))"
    }

    /// The tenant `token` lets read `batch`, when it is valid and not expired.
    func verify(_ token: String, batch: String, tenants: [String], now: Date) -> String? {
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let expiry = Int(parts[0]), Double(expiry) > now.timeIntervalSince1970 else {
            return nil
        }
        let given = Array(parts[1].utf8)
        return tenants.first { tenant in
            APIKeys.equalInConstantTime(Array(signature(tenant: tenant, batch: batch, expiry: expiry).utf8), given)
        }
    }

    private func signature(tenant: String, batch: String, expiry: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(tenant)\u{0}\(batch)\u{0}\(expiry)".utf8), using: key)
        return String(Hex.string(mac).prefix(32))
    }
}
