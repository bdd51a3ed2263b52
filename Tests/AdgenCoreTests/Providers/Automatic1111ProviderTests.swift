import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Testing

@testable import AdgenCore

@Suite struct Automatic1111ProviderTests {
    func provider(
        _ server: TestHTTPServer, auth: String? = nil, model: String = "default", parameters: [String: String] = [:],
        timeout: Duration = normalTimeout
    ) -> Automatic1111Provider {
        var configuration = Automatic1111Provider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        return Automatic1111Provider(
            model: model,
            parameters: ["steps": "25", "sampler_name": "Euler a"].merging(parameters, uniquingKeysWith: { $1 }),
            basicAuth: auth, httpClient: .shared, configuration: configuration)
    }

    @Test func generatesThroughTxt2ImgWithBasicAuth() async throws {
        let fake = FakeAutomatic1111Server(basicAuth: "adgen:s3cret-pass")
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, auth: "adgen:s3cret-pass", model: "sdxl_base_1.0")
                .generate(request(width: 1020, height: 1020, seed: 5_000_000_000))
            #expect((image.width, image.height) == (1016, 1016), "rounded down to a multiple of 8")
            #expect(try Image.decode(image.bytes).width == 1016)
            #expect(image.costUSD == 0)
            #expect(image.providerRequestID?.hasPrefix("20261126") == true)
            let body = try #require(fake.state.requests.first?.json)
            #expect(body["seed"]?.int == 5_000_000_000 % 4_294_967_296)
            #expect(body["steps"]?.int == 25)
            #expect(body["sampler_name"]?.string == "Euler a")
            #expect(body["override_settings"]?["sd_model_checkpoint"]?.string == "sdxl_base_1.0")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aProductReferenceIsTheInitImageOfImg2Img() async throws {
        let fake = FakeAutomatic1111Server(basicAuth: "adgen:s3cret-pass")
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let image = try await provider(server, auth: "adgen:s3cret-pass", model: "sdxl_base_1.0")
                .generate(request(width: 1024, height: 768, seed: 9, negative: "text", references: [product]))
            #expect((image.width, image.height) == (1024, 768))
            #expect(try Image.decode(image.bytes).width == 1024)
            let sent = try #require(fake.state.requests.first)
            #expect(sent.path == "/sdapi/v1/img2img")
            let body = try #require(sent.json)
            #expect(body["init_images"]?.array?.count == 1)
            #expect(body["denoising_strength"]?.double == 0.6)
            #expect(body["prompt"]?.string == "trail running shoe on a rock, warm light")
            #expect(body["negative_prompt"]?.string == "text")
            #expect(body["seed"]?.int == 9)
            #expect(body["width"]?.int == 1024 && body["height"]?.int == 768)
            #expect(body["steps"]?.int == 25)
            #expect(body["override_settings"]?["sd_model_checkpoint"]?.string == "sdxl_base_1.0")
            #expect(fake.references.all == [FakeReceivedImage(field: "init_images[0]", bytes: product.bytes)])
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func theParametersSetTheDenoisingStrength() async throws {
        let fake = FakeAutomatic1111Server()
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server, parameters: ["denoising_strength": "0.35"]).generate(
                request(references: [product]))
            #expect(fake.state.requests.first?.json?["denoising_strength"]?.double == 0.35)
            #expect(fake.references.all.map(\.bytes) == [product.bytes])
        }
    }

    @Test func aTextOnlyRequestStillGoesToTxt2Img() async throws {
        let fake = FakeAutomatic1111Server()
        try await withTestHTTPServer(fake.handler) { server in
            _ = try await provider(server).generate(request())
            let sent = try #require(fake.state.requests.first)
            #expect(sent.path == "/sdapi/v1/txt2img")
            #expect(sent.json?["init_images"] == nil && sent.json?["denoising_strength"] == nil)
        }
    }

    @Test func img2ImgTakesOneImageAndAStrengthFromZeroToOne() async throws {
        #expect(Automatic1111Provider.referenceProblem(parameters: [:]) == nil)
        let logo = try #require(Automatic1111Provider.referenceProblem(parameters: [:], roles: [.product, .logo]))
        #expect(logo.contains("logo"))
        #expect(
            Automatic1111Provider.referenceProblem(parameters: ["denoising_strength": "1.5"])?.contains("0 to 1")
                == true)
        let fake = FakeAutomatic1111Server()
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server).generate(
                        request(references: [try reference(.product), try reference(.logo)]))
                })
            #expect(error.kind == "invalid_request")
            #expect(error.message == logo)
            #expect(fake.state.requests.isEmpty)
        }
    }

    @Test func aWrongPasswordIsUnauthorizedAndNeverShown() async throws {
        let fake = FakeAutomatic1111Server(basicAuth: "adgen:right")
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, auth: "adgen:wrong-pass").generate(request()) })
            #expect(error.kind == "unauthorized")
            #expect(!error.description.contains("wrong-pass"))
        }
    }

    @Test(arguments: commonFaults + [(.unauthorized, "unauthorized")])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let fake = FakeAutomatic1111Server()
        fake.state.inject(fault)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, timeout: timeout(for: fault)).generate(request()) })
            #expect(error.kind == kind, "\(fault): \(error)")
            if fault == .invalidRequest { #expect(error.message.contains("body.steps: value is not a valid integer")) }
        }
    }

    @Test func cancellingTheTaskDropsTheRequest() async throws {
        let fake = FakeAutomatic1111Server()
        fake.state.inject(.slow(.seconds(10)))
        try await withTestHTTPServer(fake.handler) { server in
            var configuration = Automatic1111Provider.Configuration()
            configuration.baseURL = server.baseURL
            let webui = Automatic1111Provider(model: "default", httpClient: .shared, configuration: configuration)
            let (error, elapsed) = await cancelledError(when: { !fake.state.requests.isEmpty }) {
                try await webui.generate(request())
            }
            #expect(error?.kind == "cancelled")
            #expect(elapsed < .seconds(3), "not the 10 s the answer would take")
        }
    }

    @Test func aMalformedAuthVariableIsASetupError() {
        #expect {
            try ProviderFactory(environment: ["A1111_API_AUTH": "no-colon"], httpClient: .shared)
                .provider(for: .make("automatic1111", model: "default"))
        } throws: { error in
            "\(error)".contains("A1111_API_AUTH")
        }
    }
}
