import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Testing

@testable import AdgenCore

@Suite struct FalProviderTests {
    static let key = "fal-test-key:0123456789"

    func provider(
        _ server: TestHTTPServer, model: String = "fal-ai/flux/dev", parameters: [String: String] = [:],
        generationTimeout: Duration = .seconds(5), timeout: Duration = normalTimeout
    )
        -> FalProvider
    {
        var configuration = FalProvider.Configuration()
        configuration.queueURL = server.baseURL
        configuration.requestTimeout = timeout
        configuration.pollInterval = .milliseconds(10)
        configuration.generationTimeout = generationTimeout
        return FalProvider(
            key: Self.key, model: model,
            parameters: ["num_inference_steps": "28"].merging(parameters, uniquingKeysWith: { $1 }),
            httpClient: .shared,
            configuration: configuration)
    }

    @Test func submitsPollsAndReadsTheResult() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 2)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server).generate(request(width: 1216, height: 832, negative: "text"))
            #expect((image.width, image.height) == (1216, 832))
            #expect(try Image.decode(image.bytes).width == 1216)
            #expect(image.costUSD == 0.025, "0.96 MP: one started megapixel")
            let requestID = try #require(image.providerRequestID)
            let paths = fake.state.requests.map { "\($0.method) \($0.path)" }
            #expect(paths.first == "POST /fal-ai/flux/dev")
            #expect(paths.contains("GET /fal-ai/flux/requests/\(requestID)/status"))
            #expect(paths.contains("GET /fal-ai/flux/requests/\(requestID)"))
            let input = try #require(fake.state.requests.first?.json)
            #expect(input["image_size"]?["width"]?.int == 1216)
            #expect(input["num_inference_steps"]?.int == 28)
            #expect(input["negative_prompt"]?.string == "text")
            #expect(fake.state.requests.last?.header("authorization") == nil, "the download carries no key")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aSizeRoundedByTheModelIsAccepted() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server).generate(request(width: 1000, height: 1500))
            #expect((image.width, image.height) == (992, 1488))
            #expect(image.costUSD == 0.05, "1.4 MP: two started megapixels")
        }
    }

    @Test(
        arguments: commonFaults + [
            (.contentPolicy, "content_policy"), (.quotaExhausted, "quota_exhausted"), (.unauthorized, "unauthorized"),
        ])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        fake.state.inject(fault)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, timeout: timeout(for: fault)).generate(request()) })
            #expect(error.kind == kind, "\(fault): \(error)")
            #expect(!error.description.contains(Self.key))
            if case .rateLimited = fault { #expect(error.retryAfter == 7) }
        }
    }

    @Test func cancellingTheTaskCancelsTheQueuedRequest() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 10_000)
        try await withTestHTTPServer(fake.handler) { server in
            let fal = provider(server)
            let (error, elapsed) = await cancelledError(when: { fake.state.requests.contains { $0.method == "GET" } }) {
                try await fal.generate(request())
            }
            #expect(error?.kind == "cancelled")
            #expect(elapsed < .seconds(8), "not the 10 s the answer would take (a loaded machine takes a few seconds)")
            let requestID = try #require(error?.requestID)
            #expect(fake.state.cancelled == [requestID])
            #expect(fake.state.requests.last?.method == "PUT")
        }
    }

    @Test func aRequestRunningPastTheGenerationTimeoutIsCancelledAndTimesOut() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 10_000)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server, generationTimeout: .milliseconds(100)).generate(request())
                })
            #expect(error.kind == "timeout")
            #expect(fake.state.cancelled.count == 1)
        }
    }

    @Test func aProductReferenceGoesInImageURLAsADataURL() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 1)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, model: "fal-ai/flux-pro/kontext").generate(
                request(width: 1024, height: 768, references: [product]))
            #expect((image.width, image.height) == (1024, 768))
            #expect(try Image.decode(image.bytes).height == 768)
            let submit = try #require(fake.state.requests.first)
            #expect(submit.path == "/fal-ai/flux-pro/kontext")
            let input = try #require(submit.json)
            #expect(input["image_url"]?.string?.hasPrefix("data:image/png;base64,") == true)
            #expect(input["prompt"]?.string == "trail running shoe on a rock, warm light")
            #expect(input["image_field"] == nil)
            #expect(
                fake.references.all == [
                    FakeReceivedImage(field: "image_url", mediaType: "image/png", bytes: product.bytes)
                ])
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test(arguments: [[:], ["image_field": "image_urls"]])
    func severalReferencesGoInAListInTheirOrder(_ parameters: [String: String]) async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        let product = try reference(.product)
        let logo = try reference(.logo)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, model: "fal-ai/nano-banana/edit", parameters: parameters).generate(
                request(references: [product, logo]))
            let input = try #require(fake.state.requests.first?.json)
            #expect(input["image_urls"]?.array?.count == 2)
            #expect(input["image_url"] == nil && input["image_field"] == nil)
            #expect(fake.references.all.map(\.field) == ["image_urls", "image_urls"])
            #expect(fake.references.all.map(\.bytes) == [product.bytes, logo.bytes])
        }
    }

    @Test func aFieldOfTheModelsOwnTakesOneImageOrWithBracketsAList() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, model: "fal-ai/some/edit", parameters: ["image_field": "reference_images[]"])
                .generate(request(references: [product]))
            let input = try #require(fake.state.requests.first?.json)
            #expect(input["reference_images"]?.array?.count == 1)
            #expect(input["reference_images[]"] == nil && input["image_url"] == nil)
            #expect(fake.references.all.map(\.bytes) == [product.bytes])
        }
    }

    @Test func aTextOnlyRequestSendsNoImage() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, parameters: ["image_field": "image_urls"]).generate(request())
            let input = try #require(fake.state.requests.first?.json)
            #expect(input["image_urls"] == nil && input["image_url"] == nil && input["image_field"] == nil)
            #expect(input["image_size"]?["width"]?.int == 1024)
            #expect(fake.references.all.isEmpty)
        }
    }

    @Test func aTextToImageEndpointCannotTakeReferencesAndNothingIsSent() async throws {
        let problem = try #require(FalProvider.referenceProblem(model: "fal-ai/flux/dev", parameters: [:]))
        #expect(problem.contains("fal-ai/flux/dev") && problem.contains("image_field"))
        #expect(
            FalProvider.referenceProblem(model: "fal-ai/bytedance/seedream/v4/text-to-image", parameters: [:]) != nil)
        #expect(FalProvider.referenceProblem(model: "fal-ai/flux-pro/kontext", parameters: [:]) == nil)
        #expect(
            FalProvider.referenceProblem(
                model: "fal-ai/flux-pro/kontext", parameters: ["image_field": "image_url"], roles: [.product, .logo])?
                .contains("takes one image") == true)
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 0)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server).generate(request(references: [product])) })
            #expect(error.kind == "invalid_request")
            #expect(error.message == problem)
            #expect(fake.state.requests.isEmpty)
        }
    }

    @Test func aMissingKeyIsASetupErrorNamingTheVariable() {
        #expect {
            try ProviderFactory(environment: [:], httpClient: .shared).provider(
                for: .make("fal", model: "fal-ai/flux/dev"))
        } throws: { error in
            "\(error)".contains("FAL_KEY")
        }
        #expect {
            try ProviderFactory(environment: [:], httpClient: .shared)
                .backgroundRemover(provider: "fal", model: nil)
        } throws: { error in
            "\(error)".contains("FAL_KEY")
        }
    }

    @Test func removesBackgrounds() async throws {
        let fake = FakeFalServer(key: Self.key, pollsBeforeDone: 1)
        try await withTestHTTPServer(fake.handler) { server in
            var configuration = FalProvider.Configuration()
            configuration.queueURL = server.baseURL
            configuration.pollInterval = .milliseconds(10)
            let remover = FalBackgroundRemover(
                fal: FalProvider(
                    key: Self.key, model: FalBackgroundRemover.defaultModel, httpClient: .shared,
                    configuration: configuration))
            let cut = try await remover.removeBackground(
                from: try Image.solid(width: 240, height: 160, color: RGBA(red: 1, green: 2, blue: 3)))
            #expect((cut.width, cut.height) == (240, 160))
            #expect(cut.hasAlpha)
            #expect(fake.state.requests.first?.path == "/fal-ai/bria/background/remove")
        }
    }
}
