import Testing

@testable import AdgenCore

@Suite struct WebhookURLPolicyTests {
    static let nonPublic: [(String, AddressClass)] = [
        ("127.0.0.1", .loopback), ("127.8.9.10", .loopback), ("10.1.2.3", .private), ("172.16.0.1", .private),
        ("172.31.255.254", .private), ("192.168.1.1", .private), ("169.254.169.254", .linkLocal),
        ("100.64.0.1", .cgnat), ("100.127.255.255", .cgnat), ("0.0.0.0", .unspecified), ("0.1.2.3", .reserved),
        ("::", .unspecified), ("::1", .loopback), ("fe80::1", .linkLocal), ("fc00::1", .uniqueLocal),
        ("fd12:3456::1", .uniqueLocal), ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .private),
        ("64:ff9b::a9fe:a9fe", .linkLocal), ("2002:7f00:1::1", .loopback), ("224.0.0.1", .multicast),
        ("239.255.255.250", .multicast), ("ff02::1", .multicast), ("255.255.255.255", .reserved),
        ("240.0.0.1", .reserved), ("192.0.2.1", .reserved), ("198.51.100.7", .reserved), ("203.0.113.9", .reserved),
        ("198.18.0.1", .reserved), ("2001:db8::1", .reserved), ("100::1", .reserved),
    ]

    @Test(arguments: nonPublic)
    func nonPublicAddressesAreRefusedByDefaultAndAllowedWithAllowPrivate(address: String, kind: AddressClass)
        async throws
    {
        #expect(AddressClass.classify(address) == kind)
        let host = address.contains(":") ? "[\(address)]" : address
        let url = "https://\(host):8443/hooks?token=s3cret"
        let error = #expect(throws: WebhookURLError.self) { try WebhookURLPolicy().check(url) }
        #expect(error?.isRefusal == true)
        #expect(error?.description.contains("a \(kind.rawValue) address") == true)
        #expect(error?.description.contains("ADGEN_ALLOW_PRIVATE_WEBHOOKS=1") == true)
        #expect(error?.description.contains("s3cret") == false)
        let allowed = WebhookURLPolicy(allowPrivate: true)
        let target = try allowed.check(url)
        #expect(target.host == address)
        #expect(target.port == 8443)
        #expect(try await allowed.resolve(target) == address)
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "2606:4700::1", "2a00:1450:4001::200e", "172.32.0.1", "100.128.0.1"])
    func publicAddressesPass(address: String) async throws {
        #expect(AddressClass.classify(address) == .public)
        let host = address.contains(":") ? "[\(address)]" : address
        let target = try WebhookURLPolicy().check("https://\(host)/hooks")
        #expect(target == WebhookTarget(url: "https://\(host)/hooks", scheme: "https", host: address, port: 443))
        #expect(try await WebhookURLPolicy().resolve(target) == address)
    }

    @Test func namesAreNotAddresses() {
        #expect(AddressClass.classify("example.com") == nil)
        #expect(AddressClass.classify("2130706433") == nil)
        #expect(AddressClass.classify("[::1]") == .loopback)
        #expect(AddressClass.classify("fe80::1%eth0") == .linkLocal)
    }

    @Test func plainHTTPIsRefusedUnlessAllowInsecure() throws {
        let error = #expect(throws: WebhookURLError.self) { try WebhookURLPolicy().check("http://8.8.8.8/hooks") }
        #expect(error?.description.contains("ADGEN_ALLOW_INSECURE_WEBHOOKS=1") == true)
        #expect(error?.description.contains("never the campaign file") == true)
        let target = try WebhookURLPolicy(allowInsecure: true).check("http://8.8.8.8/hooks")
        #expect(target.scheme == "http")
        #expect(target.port == 80)
    }

    @Test(arguments: [
        ("https://user:hunter2@8.8.8.8/hooks", "user name or password"),
        ("https://8.8.8.8/hooks#hunter2", "#fragment"),
        ("ftp://8.8.8.8/hooks", "https only"),
        ("file:///etc/passwd", "https only"),
        ("https:///hooks", "no host"),
        ("hooks.example.com/path", "not a valid absolute URL"),
    ])
    func malformedURLsAreRefusedWithoutTheirSecrets(url: String, reason: String) {
        let error = #expect(throws: WebhookURLError.self) {
            try WebhookURLPolicy(allowInsecure: true, allowPrivate: true).check(url)
        }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func localhostIsRefusedAfterResolution() async throws {
        let target = try WebhookURLPolicy().check("https://LocalHost:9000/hooks")
        #expect(target.host == "localhost")
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLPolicy().resolve(target) }
        #expect(error?.isRefusal == true)
        #expect(error?.description.contains("localhost resolves to") == true)
        #expect(error?.description.contains("loopback") == true)
        #expect(error?.description.contains("ADGEN_ALLOW_PRIVATE_WEBHOOKS") == true)
        let address = try await WebhookURLPolicy(allowPrivate: true).resolve(target)
        #expect(AddressClass.classify(address) == .loopback)
    }

    @Test func aNumericHostInAnotherNotationIsCaughtByResolution() async throws {
        // getaddrinfo reads 2130706433 as 127.0.0.1; the policy classifies what the resolver returns.
        let target = try WebhookURLPolicy().check("https://2130706433/hooks")
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLPolicy().resolve(target) }
        #expect(error?.description.contains("resolves to 127.0.0.1") == true)
    }

    @Test func anUnknownHostIsATransientFailureNotARefusal() async throws {
        let target = try WebhookURLPolicy().check("https://adgen-no-such-host.invalid/hooks")
        let error = await #expect(throws: WebhookURLError.self) { try await WebhookURLPolicy().resolve(target) }
        #expect(error?.isRefusal == false)
        #expect(error?.description.contains("could not resolve adgen-no-such-host.invalid") == true)
    }

    @Test(arguments: [
        ([:], false, false), (["ADGEN_ALLOW_INSECURE_WEBHOOKS": "1"], true, false),
        (["ADGEN_ALLOW_PRIVATE_WEBHOOKS": "true", "ADGEN_ALLOW_INSECURE_WEBHOOKS": "TRUE"], true, true),
        (["ADGEN_ALLOW_PRIVATE_WEBHOOKS": "yes", "ADGEN_ALLOW_INSECURE_WEBHOOKS": "0"], false, false),
    ])
    func theEnvironmentAllowsOnlyWithOneOrTrue(example: ([String: String], Bool, Bool)) {
        let expected = WebhookURLPolicy(allowInsecure: example.1, allowPrivate: example.2)
        #expect(WebhookURLPolicy(environment: example.0) == expected)
    }
}
