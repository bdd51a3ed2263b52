import Foundation

/// One `whsec_<base64>` signing secret (Standard Webhooks): the HMAC-SHA256 key a receiver verifies with.
///
/// Its `description` and mirror never show the key, so a secret interpolated into a log line by mistake stays
/// secret.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// The key bytes (24 to 64 of them), decoded from the base64 after `whsec_`.
    public let key: [UInt8]

    /// The prefix every secret starts with.
    static let prefix = "whsec_"
    /// The fewest key bytes accepted (Standard Webhooks: 24 to 64).
    static let minimumBytes = 24
    /// The most key bytes accepted.
    static let maximumBytes = 64

    /// Parses `whsec_<base64>`: the prefix, then standard base64 (padding optional) of 24 to 64 bytes.
    /// The error says which rule failed and how to make a secret; it never repeats the value.
    public init(parsing text: String) throws(WebhookSecretError) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw WebhookSecretError(.empty) }
        guard text.hasPrefix(Self.prefix) else { throw WebhookSecretError(.missingPrefix) }
        var encoded = String(text.dropFirst(Self.prefix.count))
        if encoded.utf8.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.utf8.count % 4) }
        guard let data = Data(base64Encoded: encoded) else { throw WebhookSecretError(.notBase64) }
        guard (Self.minimumBytes...Self.maximumBytes).contains(data.count) else {
            throw WebhookSecretError(.wrongLength(data.count))
        }
        key = Array(data)
    }

    /// Several secrets separated by spaces or commas, in order: during a rotation all of them sign, so a receiver
    /// holding either the old or the new one accepts every message. At least one is required.
    public static func list(parsing value: String) throws(WebhookSecretError) -> [WebhookSecret] {
        let items = value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        if items.isEmpty { throw WebhookSecretError(.empty) }
        var secrets = [WebhookSecret]()
        for (index, item) in items.enumerated() {
            do {
                secrets.append(try WebhookSecret(parsing: item))
            } catch {
                throw error.at(position: index + 1, of: items.count)
            }
        }
        return secrets
    }

    /// The secrets in the environment variable `name` (see `list(parsing:)`); a missing or empty variable is an
    /// error naming it.
    public static func fromEnvironment(_ name: String, _ environment: [String: String]) throws(WebhookSecretError)
        -> [WebhookSecret]
    {
        guard let value = environment[name], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw WebhookSecretError(.missingVariable).naming(variable: name)
        }
        do {
            return try list(parsing: value)
        } catch {
            throw error.naming(variable: name)
        }
    }

    /// `whsec_… (N-byte key, redacted)`: never the key.
    public var description: String { "whsec_… (\(key.count)-byte key, redacted)" }

    /// A mirror without children, so `dump` and debuggers do not print the key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
