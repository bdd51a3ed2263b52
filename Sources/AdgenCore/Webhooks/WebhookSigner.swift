import Crypto
import Foundation

/// Signs webhook messages the Standard Webhooks way: HMAC-SHA256 of `id.timestamp.body` with every secret, so
/// during a rotation a receiver holding either the old or the new secret accepts the message.
public struct WebhookSigner: Sendable {
    /// The secrets that sign, in order.
    public var secrets: [WebhookSecret]

    /// A signer with `secrets`. With none, the signature header is empty and no receiver will accept a message.
    public init(secrets: [WebhookSecret]) {
        self.secrets = secrets
    }

    /// The `webhook-signature` value: `v1,<base64>` for each secret, separated by spaces.
    /// - Parameters:
    ///   - id: The message id (`webhook-id`); the same on every attempt of one message.
    ///   - timestamp: Unix seconds of this attempt (`webhook-timestamp`).
    ///   - body: The exact bytes sent.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var content = Array(id.utf8)
        content.append(UInt8(ascii: "."))
        content += Array(String(timestamp).utf8)
        content.append(UInt8(ascii: "."))
        content += body
        return secrets.map { secret in
            let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: secret.key))
            return "v1," + Data(mac).base64EncodedString()
        }.joined(separator: " ")
    }

    /// Every header of one attempt: `webhook-id`, `webhook-timestamp`, `webhook-signature`,
    /// `content-type: application/json` and `user-agent: adgen/<version>`.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
            ("content-type", "application/json"),
            ("user-agent", "adgen/\(AdgenVersion.current)"),
        ]
    }
}
