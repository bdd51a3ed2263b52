import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Foundation
import Testing

@testable import AdgenCore

@Suite struct ComfyUIProviderTests {
    func provider(
        _ server: TestHTTPServer, model: String = "sdxl.safetensors", workflow: ComfyUIWorkflow? = nil,
        timeout: Duration = normalTimeout
    )
        throws -> ComfyUIProvider
    {
        var configuration = ComfyUIProvider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        configuration.pollInterval = .milliseconds(10)
        return ComfyUIProvider(
            model: model, workflow: try workflow ?? ComfyUIWorkflow.standard, parameters: ["steps": "30"],
            httpClient: .shared, configuration: configuration)
    }

    @Test func fillsTheWorkflowPollsTheHistoryAndViewsTheImage() async throws {
        let fake = FakeComfyUIServer(pollsBeforeDone: 2)
        try await withTestHTTPServer(fake.handler) { server in
            let seed: UInt64 = 18_000_000_000_000_000_000
            let image = try await provider(server).generate(
                request(width: 1152, height: 896, seed: seed, negative: "watermark"))
            #expect((image.width, image.height) == (1152, 896))
            #expect(try Image.decode(image.bytes).width == 1152)
            #expect(image.costUSD == 0)
            let promptID = try #require(image.providerRequestID)
            let graph = try #require(fake.graphs[promptID])
            #expect(graph["3"]?["inputs"]?["seed"] == .uint(seed), "the full 64-bit seed")
            #expect(graph["3"]?["inputs"]?["steps"]?.int == 30)
            #expect(graph["6"]?["inputs"]?["text"]?.string == "trail running shoe on a rock, warm light")
            #expect(graph["7"]?["inputs"]?["text"]?.string == "watermark")
            #expect(graph["5"]?["inputs"]?["width"]?.int == 1152)
            #expect(graph["4"]?["inputs"]?["ckpt_name"]?.string == "sdxl.safetensors")
            let paths = fake.state.requests.map { "\($0.method) \($0.path)" }
            #expect(paths.filter { $0 == "GET /history/\(promptID)" }.count == 3)
            #expect(paths.last == "GET /view")
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aWorkflowFileFromTheParametersIsResolvedAgainstTheCampaign() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var graph = try #require(JSONValue.parse(ComfyUIWorkflow.defaultSource)?.object)
        graph["10"] = graph["6"]  // a second encoder: the sampler's link decides which one is the prompt
        try folder.write("flows/mine.json", String(decoding: JSONValue.object(graph).encoded, as: UTF8.self))
        let factory = ProviderFactory(environment: [:], httpClient: .shared, directory: folder.path)
        let made = try factory.provider(
            for: .make("comfyui", model: "default", parameters: ["workflow": "flows/mine.json", "cfg": "6.5"]))
        let comfy = try #require(made as? ComfyUIProvider)
        #expect(comfy.workflow.promptNode == "6")
        #expect(comfy.parameters == ["cfg": "6.5"])
        let filled = comfy.workflow.filled(with: request(), model: "default", parameters: comfy.parameters)
        #expect(filled["4"]?["inputs"]?["ckpt_name"]?.string == "v1-5-pruned-emaonly.safetensors")
        #expect(filled["3"]?["inputs"]?["cfg"]?.double == 6.5)
        #expect {
            try factory.provider(for: .make("comfyui", model: "default", parameters: ["workflow": "flows/none.json"]))
        } throws: { error in
            "\(error)".contains("flows/none.json")
        }
        try folder.write("flows/ui.json", #"{"nodes": [], "links": []}"#)
        #expect {
            try factory.provider(for: .make("comfyui", model: "default", parameters: ["workflow": "flows/ui.json"]))
        } throws: { error in
            "\(error)".contains("API format")
        }
    }

    @Test(arguments: [
        (ProviderFault.invalidRequest, "invalid_request"), (.serverError(status: 500), "unavailable"),
        (.rateLimited(retryAfter: "7"), "rate_limited"), (.malformedJSON, "bad_response"),
        (.wrongContentType, "bad_response"), (.nonImage, "bad_response"),
        (.wrongSize(width: 512, height: 512), "bad_response"),
        (.dropConnection, "connection"), (.slow(.seconds(5)), "timeout"),
        (.contentPolicy, "unavailable"),  // ComfyUI's failure shape: an execution error in the history
    ])
    func mapsFaults(_ fault: ProviderFault, _ kind: String) async throws {
        let fake = FakeComfyUIServer(pollsBeforeDone: 0)
        fake.state.inject(fault)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError { try await provider(server, timeout: timeout(for: fault)).generate(request()) })
            #expect(error.kind == kind, "\(fault): \(error)")
            if fault == .invalidRequest { #expect(error.message.contains("ckpt_name: 'missing.safetensors'")) }
            if fault == .contentPolicy { #expect(error.message.contains("CUDA out of memory")) }
        }
    }

    @Test func cancellingTheTaskDeletesAndInterruptsThePrompt() async throws {
        let fake = FakeComfyUIServer(pollsBeforeDone: 10_000)
        try await withTestHTTPServer(fake.handler) { server in
            let comfy = try provider(server)
            let (error, elapsed) = await cancelledError(when: { fake.state.requests.contains { $0.method == "GET" } }) {
                try await comfy.generate(request())
            }
            #expect(error?.kind == "cancelled")
            #expect(elapsed < .seconds(8), "not the 10 s the answer would take (a loaded machine takes a few seconds)")
            let promptID = try #require(error?.requestID)
            #expect(fake.state.cancelled == [promptID])
            #expect(fake.interrupted)
        }
    }
}
