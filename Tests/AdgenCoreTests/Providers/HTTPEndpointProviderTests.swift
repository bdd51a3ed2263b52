import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

@testable import AdgenCore

@Suite struct HTTPEndpointProviderTests {
    func provider(
        _ url: String, parameters: [String: String] = [:], token: String? = nil, timeout: Duration = normalTimeout
    ) throws
        -> HTTPEndpointProvider
    {
        var configuration = HTTPEndpointProvider.Configuration(url: url)
        configuration.requestTimeout = timeout
        return try HTTPEndpointProvider(
            model: "sdxl", parameters: parameters, token: token, httpClient: .shared, configuration: configuration)
    }

    @Test func theDefaultTemplateAgainstTheCountingServer() async throws {
        let counting = CountingImageServer(token: "tok-123456")
        try await withTestHTTPServer(counting.handler) { server in
            let http = try provider(
                server.baseURL + "/generate", parameters: ["price_usd": "0.002"], token: "tok-123456")
            let image = try await http.generate(request(width: 640, height: 480, seed: 3))
            _ = try await http.generate(request(width: 640, height: 480, seed: 3))
            _ = try await http.generate(request(width: 640, height: 480, seed: 4))
            #expect((image.width, image.height) == (640, 480))
            #expect(image.costUSD == 0.002)
            #expect(image.providerRequestID == "gen-1")
            let prompt = "trail running shoe on a rock, warm light"
            #expect(
                counting.countsByKey == [
                    CountingImageServer.key(prompt: prompt, seed: 3): 2,
                    CountingImageServer.key(prompt: prompt, seed: 4): 1,
                ])
            #expect(counting.total == 3)
            let counts = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: server.baseURL + "/counts"), timeout: .seconds(2))
            let body = try await counts.body.collect(upTo: 1 << 20)
            #expect(JSONValue.parse(Array(buffer: body))?["total"]?.int == 3)
        }
    }

    @Test func aTemplateAndAPathOfItsOwn() async throws {
        let seen = ReceivedBodies()
        let png = TestImages.png(width: 512, height: 768)
        let handler: TestHTTPServer.Handler = { request in
            seen.append(request.json)
            return .json([
                "result": [
                    "job": "j-9",
                    "files": [["href": .string("data:image/png;base64," + Data(png).base64EncodedString())]],
                ]
            ])
        }
        try await withTestHTTPServer(handler) { server in
            let http = try provider(
                server.baseURL,
                parameters: [
                    "body":
                        #"{"input": {"text": "{{prompt}} -- style {{style}}", "seed": "{{seed}}", "dims": ["{{width}}", "{{height}}"]}}"#,
                    "image_path": "$.result.files[0].href", "request_id_path": "result.job", "style": "flat",
                ])
            let image = try await http.generate(request(width: 512, height: 768, seed: 9))
            #expect(image.providerRequestID == "j-9")
            let body = try #require(seen.first)
            #expect(body["input"]?["text"]?.string == "trail running shoe on a rock, warm light -- style flat")
            #expect(body["input"]?["seed"]?.int == 9, "a number, not a string")
            #expect(body["input"]?["dims"] == [512, 768])
        }
    }

    @Test func theReferencePlaceholdersCarryTheProductAndTheLogo() async throws {
        let seen = ReceivedBodies()
        let png = TestImages.png(width: 512, height: 512)
        let handler: TestHTTPServer.Handler = { request in
            seen.append(request.json)
            return .json(["image": .string(Data(png).base64EncodedString())])
        }
        let product = try reference(.product)
        let logo = try reference(.logo)
        try await withTestHTTPServer(handler) { server in
            let http = try provider(
                server.baseURL,
                parameters: [
                    "body":
                        #"{"prompt": "{{prompt}}", "init_image": "{{reference_image_base64}}", "images": ["{{reference_image_data_url}}", "{{logo_image_data_url}}"], "logo": "{{logo_image_base64}}"}"#
                ])
            let image = try await http.generate(request(width: 512, height: 512, references: [product, logo]))
            #expect(image.bytes == png)
            let body = try #require(seen.first)
            #expect(body["init_image"]?.string.flatMap { Data(base64Encoded: $0) }.map(Array.init) == product.bytes)
            #expect(body["logo"]?.string.flatMap { Data(base64Encoded: $0) }.map(Array.init) == logo.bytes)
            let urls = (body["images"]?.array ?? []).compactMap(\.string)
            #expect(
                try urls.map { try FakeReceivedImage(dataURL: $0, field: "images").bytes } == [
                    product.bytes, logo.bytes,
                ])
            #expect(body["prompt"]?.string == "trail running shoe on a rock, warm light")
        }
    }

    @Test func aTemplateWithoutAReferencePlaceholderCannotTakeOneAndNothingIsSent() async throws {
        let problem = try #require(HTTPEndpointProvider.referenceProblem(parameters: [:]))
        #expect(problem.contains("{{reference_image_base64}}") && problem.contains("generation.parameters.body"))
        let logo = #"{"p": "{{prompt}}", "image": "data:image/png;base64,{{reference_image_base64}}"}"#
        #expect(HTTPEndpointProvider.referenceProblem(parameters: ["body": logo]) == nil)
        #expect(
            HTTPEndpointProvider.referenceProblem(parameters: ["body": logo], roles: [.product, .logo])?.contains(
                "{{logo_image_base64}}") == true)
        let requests = ReceivedBodies()
        let handler: TestHTTPServer.Handler = { request in
            requests.append(request.json)
            return .json(["image": ""])
        }
        let product = try reference(.product)
        try await withTestHTTPServer(handler) { server in
            let error = try #require(
                await providerError { try await provider(server.baseURL).generate(request(references: [product])) })
            #expect(error.kind == "invalid_request")
            #expect(error.message == problem)
            #expect(requests.first == nil, "nothing was posted")
        }
    }

    @Test func anImageAnswerIsUsedAsIs() async throws {
        let png = TestImages.png(width: 256, height: 256)
        try await withTestHTTPServer({ _ in .bytes(png, contentType: "image/png") }) { server in
            let image = try await provider(server.baseURL).generate(request(width: 256, height: 256))
            #expect(image.bytes == png)
        }
    }

    @Test(arguments: [
        (ProviderFault.rateLimited(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"), "rate_limited"),
        (.serverError(status: 502), "unavailable"), (.malformedJSON, "bad_response"),
        (.wrongContentType, "bad_response"),
        (.nonImage, "bad_response"), (.wrongSize(width: 100, height: 100), "bad_response"),
        (.contentPolicy, "content_policy"),
        (.quotaExhausted, "quota_exhausted"), (.unauthorized, "unauthorized"), (.invalidRequest, "invalid_request"),
        (.dropConnection, "connection"), (.slow(.seconds(5)), "timeout"), (.stalledBody(.seconds(5)), "timeout"),
    ])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let handler: TestHTTPServer.Handler = { request in
            let width = request.json?["width"]?.int ?? 0
            switch fault {
            case .nonImage: return .json(["image": .string(Data(TestImages.notAnImage).base64EncodedString())])
            case .wrongSize(let w, let h):
                return .json(["image": .string(Data(TestImages.png(width: w, height: h)).base64EncodedString())])
            case .contentPolicy:
                return .json(["error": ["code": "content_policy_violation", "message": "prompt flagged"]], status: 400)
            case .quotaExhausted: return .json(["error": "insufficient credit"], status: 402)
            case .invalidRequest:
                return .json(["detail": [["loc": ["body", "width"], "msg": "must be <= 2048"]]], status: 422)
            default:
                if let response = await fault.genericResponse(errorBody: {
                    ["error": ["code": .string($0), "message": .string($1)]]
                }) {
                    return response
                }
                return .json(["image": .string(Data(TestImages.png(width: width, height: width)).base64EncodedString())]
                )
            }
        }
        try await withTestHTTPServer(handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server.baseURL, token: "tok-abcdef", timeout: timeout(for: fault)).generate(
                        request())
                })
            #expect(error.kind == kind, "\(fault): \(error)")
            #expect(!error.description.contains("tok-abcdef"))
            if case .rateLimited = fault { #expect(error.retryAfter == 0, "a date in the past: no wait") }
            if fault == .invalidRequest { #expect(error.message == "body.width: must be <= 2048") }
        }
    }

    @Test func setupChecksTheURLTheTokenVariableAndTheTemplate() throws {
        let factory = ProviderFactory(environment: ["MY_TOKEN": "t-1"], httpClient: .shared)
        #expect { try factory.provider(for: .make("http", model: "m")) } throws: { "\($0)".contains("base_url") }
        #expect {
            try factory.provider(
                for: .make(
                    "http", model: "m", baseURL: "http://127.0.0.1:1/x", parameters: ["token_env": "OTHER_TOKEN"]))
        } throws: { "\($0)".contains("OTHER_TOKEN") }
        #expect {
            try factory.provider(
                for: .make("http", model: "m", baseURL: "http://127.0.0.1:1/x", parameters: ["body": "{not json"]))
        } throws: { "\($0)".contains("body") }
        let made = try factory.provider(
            for: .make("http", model: "m", baseURL: "http://127.0.0.1:1/x", parameters: ["token_env": "MY_TOKEN"]))
        #expect(made.id == "http")
    }

    @Test func anUnreachableServerIsAConnectionError() async throws {
        let error = try #require(
            await providerError {
                try await provider("http://127.0.0.1:1/generate", timeout: shortTimeout).generate(request())
            })
        // Refused until the deadline: the client's last connection error, or the deadline when it comes first.
        #expect(["connection", "timeout"].contains(error.kind), "\(error)")
        #expect(error.isRetryable)
    }
}

/// Request bodies a test handler saw.
final class ReceivedBodies: Sendable {
    let bodies = Mutex([JSONValue?]())
    func append(_ body: JSONValue?) { bodies.withLock { $0.append(body) } }
    var first: JSONValue? { bodies.withLock { $0.first ?? nil } }
}
