import Foundation
import Testing

@testable import AdgenCore

@Suite struct WebhookSecretTests {
    /// The Standard Webhooks reference vector (the official libraries' tests use it).
    static let referenceSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func parsesAWhsecSecretWithOrWithoutPadding() throws {
        let secret = try WebhookSecret(parsing: Self.referenceSecret)
        #expect(secret.key.count == 24)
        let key = [UInt8](repeating: 7, count: 32)
        let padded = "whsec_" + Data(key).base64EncodedString()
        #expect(padded.hasSuffix("="))
        #expect(try WebhookSecret(parsing: padded).key == key)
        #expect(try WebhookSecret(parsing: String(padded.dropLast())).key == key)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "does not start with whsec_"),
        ("whsec_not*base64!at-all", "is not valid base64"),
        ("whsec_c2hvcnQ=", "decodes to 5 bytes; a key must be 24 to 64 bytes"),
        ("whsec_" + Data(repeating: 1, count: 65).base64EncodedString(), "decodes to 65 bytes"),
    ])
    func refusesABadSecretSayingWhichRuleAndHowToMakeOne(text: String, rule: String) {
        let error = #expect(throws: WebhookSecretError.self) { _ = try WebhookSecret(parsing: text) }
        let message = error?.description ?? ""
        #expect(message.contains(rule), "\(message)")
        #expect(message.contains(#"echo "whsec_$(openssl rand -base64 32)""#))
        if text.count > 8 { #expect(!message.contains(text.dropFirst(6))) }
    }

    @Test func aListSplitsOnSpacesAndCommasAndNamesTheBadOneWithoutItsValue() throws {
        let old = "whsec_" + Data(repeating: 1, count: 32).base64EncodedString()
        let new = "whsec_" + Data(repeating: 2, count: 32).base64EncodedString()
        let secrets = try WebhookSecret.list(parsing: " \(old), \(new)\n")
        #expect(secrets.map(\.key) == [[UInt8](repeating: 1, count: 32), [UInt8](repeating: 2, count: 32)])
        let error = #expect(throws: WebhookSecretError.self) {
            try WebhookSecret.list(parsing: "\(old) whsec_tooShort")
        }
        #expect(error?.description.contains("decodes to 6 bytes") == true)
        #expect(error?.description.contains("webhook secret 2 of 2") == true)
        #expect(error?.description.contains("tooShort") == false)
    }

    @Test func theEnvironmentVariableIsNamedWhenMissingEmptyOrBad() throws {
        let good = "whsec_" + Data(repeating: 3, count: 24).base64EncodedString()
        #expect(try WebhookSecret.fromEnvironment("ADGEN_WEBHOOK_SECRET", ["ADGEN_WEBHOOK_SECRET": good]).count == 1)
        for environment in [[:], ["ADGEN_WEBHOOK_SECRET": "  "]] {
            let error = #expect(throws: WebhookSecretError.self) {
                try WebhookSecret.fromEnvironment("ADGEN_WEBHOOK_SECRET", environment)
            }
            #expect(error?.description.hasPrefix("ADGEN_WEBHOOK_SECRET is not set or empty") == true)
        }
        let bad = #expect(throws: WebhookSecretError.self) {
            try WebhookSecret.fromEnvironment("ADGEN_WEBHOOK_SECRET", ["ADGEN_WEBHOOK_SECRET": "hunter2hunter2"])
        }
        #expect(bad?.description.contains("in ADGEN_WEBHOOK_SECRET does not start with whsec_") == true)
        #expect(bad?.description.contains("hunter2") == false)
    }

    @Test func aSecretNeverPrintsItsKey() throws {
        let secret = try WebhookSecret(parsing: Self.referenceSecret)
        var dumped = ""
        dump(secret, to: &dumped)
        for text in ["\(secret)", String(describing: [secret]), String(reflecting: secret), dumped] {
            #expect(!text.contains("MfKQ9r8G"))
            #expect(!text.contains("\(secret.key[0]),"))
        }
    }

    @Test func signsTheReferenceVectorAndEverySecretDuringARotation() throws {
        let reference = try WebhookSecret(parsing: Self.referenceSecret)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let single = WebhookSigner(secrets: [reference])
        #expect(
            single.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let other = try WebhookSecret(parsing: "whsec_" + Data(repeating: 9, count: 32).base64EncodedString())
        let both = WebhookSigner(secrets: [other, reference])
            .signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        let parts = both.split(separator: " ")
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(parts[1] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func headersCarryTheStandardNamesTheVersionAndJSON() throws {
        let signer = WebhookSigner(secrets: [try WebhookSecret(parsing: Self.referenceSecret)])
        let headers = Dictionary(
            uniqueKeysWithValues: signer.headers(id: "msg_1", timestamp: 42, body: Array("{}".utf8)))
        #expect(headers["webhook-id"] == "msg_1")
        #expect(headers["webhook-timestamp"] == "42")
        #expect(headers["webhook-signature"] == signer.signature(id: "msg_1", timestamp: 42, body: Array("{}".utf8)))
        #expect(headers["content-type"] == "application/json")
        #expect(headers["user-agent"] == "adgen/\(AdgenVersion.current)")
    }
}
