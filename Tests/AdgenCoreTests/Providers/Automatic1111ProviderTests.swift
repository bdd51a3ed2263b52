import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Testing

@testable import AdgenCore

@Suite struct Automatic1111ProviderTests {
    func provider(
        _ server: TestHTTPServer, auth: String? = nil, model: String = "default", timeout: Duration = normalTimeout
    ) -> Automatic1111Provider {
        var configuration = Automatic1111Provider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        return Automatic1111Provider(
            model: model, parameters: ["steps": "25", "sampler_name": "Euler a"], basicAuth: auth, httpClient: .shared,
            configuration: configuration)
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
