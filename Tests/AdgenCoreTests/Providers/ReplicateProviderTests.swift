import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Foundation
import Testing

@testable import AdgenCore

@Suite struct ReplicateProviderTests {
    static let token = "r8_test_0123456789abcdef"

    func provider(
        _ server: TestHTTPServer, model: String = "black-forest-labs/flux-schnell", parameters: [String: String] = [:],
        generationTimeout: Duration = .seconds(5), timeout: Duration = normalTimeout
    ) -> ReplicateProvider {
        var configuration = ReplicateProvider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        configuration.pollInterval = .milliseconds(10)
        configuration.generationTimeout = generationTimeout
        return ReplicateProvider(
            token: Self.token, model: model, parameters: parameters, httpClient: .shared, configuration: configuration)
    }

    @Test func preferWaitGivesTheOutputInTheCreateCall() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 0)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, parameters: ["output_format": "png", "go_fast": "true"]).generate(
                request(width: 1280, height: 832, seed: 7, negative: "blurry"))
            #expect((image.width, image.height) == (1280, 832))
            #expect(try Image.decode(image.bytes).height == 832)
            #expect(image.costUSD == 0.003)
            #expect(image.providerRequestID == "pred1")
            let create = try #require(fake.state.requests.first)
            #expect(create.path == "/v1/models/black-forest-labs/flux-schnell/predictions")
            #expect(create.header("prefer") == "wait=60")
            #expect(create.header("cancel-after") == "5s")
            let input = try #require(create.json?["input"])
            #expect(input["aspect_ratio"]?.string == "3:2")
            #expect(input["seed"]?.int == 7)
            #expect(input["negative_prompt"]?.string == "blurry")
            #expect(input["go_fast"]?.bool == true)
            #expect(fake.state.requests.count == 2, "create, then the file")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func pollsUntilThePredictionSucceedsAndRunsVersions() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 3)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(
                server, model: "stability-ai/sdxl:7762fd07", parameters: ["size_mode": "pixels"]
            )
            .generate(request(width: 1024, height: 1024))
            #expect((image.width, image.height) == (1024, 1024))
            #expect(image.costUSD == 0, "no price for an unlisted model")
            let paths = fake.state.requests.map { "\($0.method) \($0.path)" }
            #expect(paths.first == "POST /v1/predictions")
            #expect(paths.filter { $0 == "GET /v1/predictions/pred1" }.count == 3)
            let create = try #require(fake.state.requests.first?.json)
            #expect(create["version"]?.string == "7762fd07")
            #expect(create["input"]?["width"]?.int == 1024)
            #expect(create["input"]?["size_mode"] == nil)
        }
    }

    @Test(
        arguments: commonFaults + [
            (.contentPolicy, "content_policy"), (.quotaExhausted, "quota_exhausted"), (.unauthorized, "unauthorized"),
        ])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 0)
        fake.state.inject(fault)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, timeout: timeout(for: fault)).generate(request()) })
            #expect(error.kind == kind, "\(fault): \(error)")
            #expect(!error.description.contains(Self.token))
            if case .rateLimited = fault { #expect(error.retryAfter == 7) }
            if fault == .contentPolicy {
                #expect(error.message.contains("NSFW"))
                #expect(error.requestID == "pred1")
            }
        }
    }

    @Test func cancellingTheTaskCancelsThePrediction() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 10_000)
        try await withTestHTTPServer(fake.handler) { server in
            let replicate = provider(server)
            let (error, elapsed) = await cancelledError(when: { fake.state.requests.contains { $0.method == "GET" } }) {
                try await replicate.generate(request())
            }
            #expect(error?.kind == "cancelled")
            #expect(error?.requestID == "pred1")
            #expect(elapsed < .seconds(8), "not the 10 s the answer would take (a loaded machine takes a few seconds)")
            #expect(fake.state.cancelled == ["pred1"], "POST urls.cancel was sent")
        }
    }

    @Test func aPredictionRunningPastTheGenerationTimeoutIsCancelledAndTimesOut() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 10_000)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server, generationTimeout: .milliseconds(100)).generate(request())
                })
            #expect(error.kind == "timeout")
            #expect(fake.state.cancelled == ["pred1"])
        }
    }

    @Test func aProductReferenceGoesInTheInputImageInputNames() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 1)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(
                server, model: "black-forest-labs/flux-kontext-pro", parameters: ["image_input": "input_image"]
            ).generate(request(width: 1280, height: 832, references: [product]))
            #expect((image.width, image.height) == (1280, 832))
            #expect(try Image.decode(image.bytes).width == 1280)
            let create = try #require(fake.state.requests.first)
            #expect(create.path == "/v1/models/black-forest-labs/flux-kontext-pro/predictions")
            let input = try #require(create.json?["input"])
            #expect(input["input_image"]?.string?.hasPrefix("data:image/png;base64,") == true)
            #expect(input["image_input"] == nil, "the parameter names the input; it is not one")
            #expect(input["prompt"]?.string == "trail running shoe on a rock, warm light")
            #expect(
                fake.references.all == [
                    FakeReceivedImage(field: "input_image", mediaType: "image/png", bytes: product.bytes)
                ])
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aTrailingBracketPairSendsTheProductAndTheLogoAsAList() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 0)
        let product = try reference(.product)
        let logo = try reference(.logo)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, model: "google/nano-banana", parameters: ["image_input": "image_input[]"])
                .generate(request(references: [product, logo]))
            let input = try #require(fake.state.requests.first?.json?["input"])
            #expect(input["image_input"]?.array?.count == 2)
            #expect(input["image_input[]"] == nil)
            #expect(fake.references.all.map(\.field) == ["image_input", "image_input"])
            #expect(fake.references.all.map(\.bytes) == [product.bytes, logo.bytes])
        }
    }

    @Test func aTextOnlyRequestSendsNoImage() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 0)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, parameters: ["image_input": "input_image"]).generate(request())
            let input = try #require(fake.state.requests.first?.json?["input"])
            #expect(input["input_image"] == nil && input["image_input"] == nil)
            #expect(fake.references.all.isEmpty)
        }
    }

    @Test func withoutImageInputAModelCannotTakeReferencesAndNothingIsSent() async throws {
        let problem = try #require(
            ReplicateProvider.referenceProblem(model: "black-forest-labs/flux-kontext-pro", parameters: [:]))
        #expect(problem.contains("image_input") && problem.contains("input_image"))
        #expect(
            ReplicateProvider.referenceProblem(
                model: "black-forest-labs/flux-kontext-pro", parameters: ["image_input": "input_image"],
                roles: [.product, .logo])?.contains("takes one image") == true)
        #expect(
            ReplicateProvider.referenceProblem(
                model: "google/nano-banana", parameters: ["image_input": "image_input[]"], roles: [.product, .logo])
                == nil)
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 0)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server).generate(request(references: [product])) })
            #expect(error.kind == "invalid_request")
            #expect(error.message == problem.replacingOccurrences(of: "flux-kontext-pro", with: "flux-schnell"))
            #expect(fake.state.requests.isEmpty)
        }
    }

    @Test func aMissingTokenIsASetupErrorNamingTheVariable() {
        #expect {
            try ProviderFactory(environment: ["OPENAI_API_KEY": "x"], httpClient: .shared)
                .provider(for: .make("replicate", model: "black-forest-labs/flux-schnell"))
        } throws: { error in
            "\(error)".contains("REPLICATE_API_TOKEN")
        }
    }

    @Test func removesBackgroundsThroughAModelMadeByTheFactory() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 1)
        try await withTestHTTPServer(fake.handler) { server in
            let campaign = try CampaignFixture.load(
                """
                campaign: cut
                prompt: shoe
                sizes: [meta-feed]
                generation: { provider: replicate, model: black-forest-labs/flux-schnell, base_url: "\(server.baseURL)" }
                pipeline: [ { remove_background: { provider: replicate, model: bria/remove-background } } ]
                """)
            let factory = ProviderFactory(environment: ["REPLICATE_API_TOKEN": Self.token], httpClient: .shared)
            let removers = try factory.backgroundRemovers(for: campaign)
            let remover = try #require(removers["replicate"])
            let original = try Image.solid(width: 300, height: 200, color: RGBA(red: 10, green: 200, blue: 30))
            let cut = try await remover.removeBackground(from: original)
            #expect((cut.width, cut.height) == (300, 200))
            #expect(cut.hasAlpha)
            let create = try #require(fake.state.requests.first)
            #expect(create.path == "/v1/models/bria/remove-background/predictions")
            #expect(create.json?["input"]?["image"]?.string?.hasPrefix("data:image/png;base64,") == true)
            _ = try Pipeline(campaign: campaign, backgroundRemovers: removers)
        }
    }

    @Test("An opaque product photo is cut out once through the product's remover, and a pipeline without one refuses")
    func anOpaqueProductPhotoIsCutOut() async throws {
        let fake = FakeReplicateServer(token: Self.token, pollsBeforeDone: 1)
        try await withTestHTTPServer(fake.handler) { server in
            let folder = try TemporaryDirectory()
            defer { folder.remove() }
            let photo = try Image.solid(width: 400, height: 300, color: RGBA(red: 240, green: 240, blue: 236))
                .encoded(EncodeOptions(format: .jpeg, quality: 90))
            #expect(FileManager.default.createFile(atPath: "\(folder.path)/photo.jpg", contents: Data(photo)))
            let file = try folder.write(
                "c.yaml",
                """
                campaign: cut
                product:
                  image: photo.jpg
                  remove_background: { provider: replicate, model: bria/remove-background }
                prompt: a rocky ridgeline
                sizes: [meta-feed]
                generation: { provider: replicate, model: black-forest-labs/flux-schnell, base_url: "\(server.baseURL)" }
                """)
            let campaign = try CampaignLoader().load(path: file)
            let factory = ProviderFactory(environment: ["REPLICATE_API_TOKEN": Self.token], httpClient: .shared)
            let removers = try factory.backgroundRemovers(for: campaign)
            let cutout = try #require(try await ProductCutout.make(for: campaign, removers: removers))
            // The fake model answers a disc of radius 75 on transparency: the cutout is trimmed to it.
            #expect(cutout.image.hasAlpha)
            #expect(abs(cutout.width - 150) <= 2 && abs(cutout.height - 150) <= 2, "\(cutout.width)×\(cutout.height)")
            let create = try #require(fake.state.requests.first)
            #expect(create.path == "/v1/models/bria/remove-background/predictions")
            #expect(create.json?["input"]?["image"]?.string?.hasPrefix("data:image/") == true)
            #expect(fake.state.requests.filter { $0.path.hasSuffix("/predictions") }.count == 1, "once per run")
            // Offline (`adgen render`), nothing can cut it out: a setup error, before any creative.
            #expect {
                try Pipeline(campaign: campaign)
            } throws: { error in
                (error as? PipelineError)?.isSetup == true && "\(error)".contains("product.remove_background")
            }
            _ = try Pipeline(campaign: campaign, backgroundRemovers: removers, product: cutout)
        }
    }
}
