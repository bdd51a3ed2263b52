import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Testing

@testable import AdgenCore

@Suite struct OpenAIProviderTests {
    static let key = "sk-test-openai-0123456789"

    func provider(
        _ server: TestHTTPServer, model: String = "gpt-image-1", parameters: [String: String] = [:],
        timeout: Duration = normalTimeout
    )
        -> OpenAIProvider
    {
        var configuration = OpenAIProvider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        return OpenAIProvider(
            apiKey: Self.key, model: model, parameters: parameters, httpClient: .shared, configuration: configuration)
    }

    @Test func generatesAB64ImageOfTheRequestedSizeWithItsPriceAndRequestID() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, parameters: ["quality": "low"]).generate(
                request(width: 1536, height: 1024, negative: "text, watermark"))
            #expect((image.width, image.height) == (1536, 1024))
            #expect(try Image.decode(image.bytes).width == 1536)
            #expect(image.costUSD == 0.016)
            #expect(image.providerRequestID == "req_1")
            let sent = try #require(fake.state.requests.first?.json)
            #expect(sent["size"]?.string == "1536x1024")
            #expect(sent["n"]?.int == 1)
            #expect(sent["quality"]?.string == "low")
            #expect(sent["prompt"]?.string?.contains("Avoid: text, watermark.") == true)
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func downloadsAURLResultOfDallE() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, model: "dall-e-3").generate(request(width: 1792, height: 1024))
            #expect((image.width, image.height) == (1792, 1024))
            #expect(image.costUSD == 0.08)
            #expect(fake.state.requests.map(\.method) == ["POST", "GET"])
            #expect(fake.state.requests.last?.header("authorization") == nil, "the download carries no key")
        }
    }

    @Test(
        arguments: commonFaults + [
            (.contentPolicy, "content_policy"), (.quotaExhausted, "quota_exhausted"), (.unauthorized, "unauthorized"),
            (.stalledBody(.seconds(5)), "timeout"),
        ])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        fake.state.inject(fault)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, timeout: timeout(for: fault)).generate(request()) })
            #expect(error.kind == kind, "\(fault): \(error)")
            #expect(error.provider == "openai")
            #expect(!error.description.contains(Self.key), "no key in \(error)")
            #expect(!error.description.contains("sig=SECRET"))
            if case .rateLimited = fault { #expect(error.retryAfter == 7) }
            if fault == .contentPolicy { #expect(error.message.contains("safety system")) }
        }
    }

    @Test func aNonImageAtTheDownloadURLIsABadResponse() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        fake.state.inject(.nonImage)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, model: "dall-e-3").generate(request()) })
            #expect(error.kind == "bad_response")
        }
    }

    @Test func cancellingTheTaskStopsTheRequestAtOnce() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        fake.state.inject(.slow(.seconds(10)))
        try await withTestHTTPServer(fake.handler) { server in
            var configuration = OpenAIProvider.Configuration()
            configuration.baseURL = server.baseURL
            let openai = OpenAIProvider(
                apiKey: Self.key, model: "gpt-image-1", httpClient: .shared, configuration: configuration)
            let (error, elapsed) = await cancelledError(when: { !fake.state.requests.isEmpty }) {
                try await openai.generate(request())
            }
            #expect(error?.kind == "cancelled")
            #expect(elapsed < .seconds(3), "not the 10 s the answer would take")
        }
    }

    @Test func aMissingKeyIsASetupErrorNamingTheVariable() throws {
        let factory = ProviderFactory(environment: [:], httpClient: .shared)
        #expect {
            try factory.provider(for: .make("openai", model: "gpt-image-1"))
        } throws: { error in
            "\(error)".contains("OPENAI_API_KEY")
        }
        let keyed = ProviderFactory(environment: ["OPENAI_API_KEY": Self.key], httpClient: .shared)
        #expect(!"\(keyed)".contains(Self.key) && !String(reflecting: keyed).contains(Self.key))
        let made = try keyed.provider(for: .make("openai", model: "gpt-image-1"))
        #expect(made.id == "openai")
        #expect(!"\(made)".contains(Self.key) && !String(reflecting: made).contains(Self.key))
        #expect(throws: ProviderSetupError.self) {
            try ProviderFactory(environment: ["OPENAI_API_KEY": Self.key], httpClient: .shared)
                .provider(for: .make("openai", model: "stable-diffusion"))
        }
    }
}
