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

    @Test func aProductReferenceIsSentAsAnImageFileOfAnEdit() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, parameters: ["quality": "low"]).generate(
                request(width: 1536, height: 1024, negative: "text", references: [product]))
            #expect((image.width, image.height) == (1536, 1024))
            #expect(try Image.decode(image.bytes).width == 1536)
            #expect(image.providerRequestID == "req_1")
            let sent = try #require(fake.state.requests.first)
            #expect(sent.path == "/v1/images/edits")
            #expect(sent.header("content-type")?.hasPrefix("multipart/form-data; boundary=") == true)
            let form = try FakeMultipartBody(sent)
            #expect(form.fields["model"] == "gpt-image-1")
            #expect(form.fields["prompt"]?.hasSuffix("Avoid: text.") == true)
            #expect(form.fields["n"] == "1")
            #expect(form.fields["size"] == "1536x1024")
            #expect(form.fields["quality"] == "low")
            #expect(form.fields["input_fidelity"] == "high", "gpt-image-1 keeps the product's details at high fidelity")
            #expect(
                fake.references.all == [
                    FakeReceivedImage(
                        field: "image[]", filename: "ridge-3.png", mediaType: "image/png", bytes: product.bytes)
                ])
            #expect(try Image.decode(fake.references.all[0].bytes).hasAlpha, "the transparency arrives")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func theLogoFollowsTheProductAndTheParametersSetTheFidelity() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let product = try reference(.product)
        let logo = try reference(.logo)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, model: "gpt-image-1.5", parameters: ["input_fidelity": "low"]).generate(
                request(references: [product, logo]))
            #expect(fake.references.all.map(\.bytes) == [product.bytes, logo.bytes])
            #expect(fake.references.all.map(\.filename) == ["ridge-3.png", "logo.png"])
            let form = try FakeMultipartBody(try #require(fake.state.requests.first))
            #expect(form.fields["input_fidelity"] == "low")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test(arguments: ["gpt-image-1-mini", "gpt-image-2"])
    func modelsThatRefuseInputFidelityAreNotSentIt(_ model: String) async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, model: model).generate(request(references: [product]))
            let form = try FakeMultipartBody(try #require(fake.state.requests.first))
            #expect(form.fields["input_fidelity"] == nil)
            #expect(fake.references.all.map(\.bytes) == [product.bytes])
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func dallE2EditsOneSquarePNGSentAsImage() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let product = try reference(.product, width: 64, height: 64)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, model: "dall-e-2").generate(request(references: [product]))
            #expect((image.width, image.height) == (1024, 1024))
            #expect(fake.references.all.map(\.field) == ["image"])
            #expect(fake.references.all.first?.bytes == product.bytes)
            #expect(try FakeMultipartBody(try #require(fake.state.requests.first)).fields["input_fidelity"] == nil)
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aTextOnlyRequestStillGoesToGenerations() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server).generate(request())
            #expect(fake.state.requests.map(\.path) == ["/v1/images/generations"])
            #expect(fake.state.requests.first?.json?["prompt"] != nil)
            #expect(fake.references.all.isEmpty)
        }
    }

    @Test func anImageTheAPIRefusesIsAnInvalidRequestWithItsMessage() async throws {
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let broken = ReferenceImage(
            role: .product, name: "ridge-3.png", mediaType: "image/png", sha256: "", bytes: TestImages.notAnImage)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server).generate(request(references: [broken])) })
            #expect(error.kind == "invalid_request")
            #expect(error.message.contains("Invalid image file 'ridge-3.png'"), "\(error)")
        }
    }

    @Test func dallE3CannotTakeReferencesAndNothingIsSent() async throws {
        let problem = try #require(OpenAIProvider.referenceProblem(model: "dall-e-3", parameters: [:]))
        #expect(problem.contains("dall-e-3") && problem.contains("gpt-image-1"))
        let fake = FakeOpenAIServer(apiKey: Self.key)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server, model: "dall-e-3").generate(
                        request(width: 1792, height: 1024, references: [product]))
                })
            #expect(error.kind == "invalid_request")
            #expect(error.message == problem)
            #expect(fake.state.requests.isEmpty, "refused before anything is paid for")
        }
    }

    @Test func theStaticCheckNamesWhatTheModelCannotTake() {
        func problem(_ model: String, _ parameters: [String: String] = [:], _ roles: [ReferenceImage.Role] = [.product])
            -> String?
        {
            OpenAIProvider.referenceProblem(model: model, parameters: parameters, roles: roles)
        }
        #expect(problem("gpt-image-1") == nil)
        #expect(problem("gpt-image-1.5-2025-12-16", ["input_fidelity": "high"], [.product, .logo]) == nil)
        #expect(problem("gpt-image-2", ["input_fidelity": "high"])?.contains("does not take input_fidelity") == true)
        #expect(problem("gpt-image-1-mini", ["input_fidelity": "high"])?.contains("(low)") == true)
        #expect(problem("dall-e-2", [:], [.product, .logo])?.contains("logo") == true)
        #expect(problem("dall-e-3", [:], []) == nil, "no references, nothing to check")
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
