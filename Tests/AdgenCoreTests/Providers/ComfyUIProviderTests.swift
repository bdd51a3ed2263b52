import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Foundation
import Testing

@testable import AdgenCore

@Suite struct ComfyUIProviderTests {
    func provider(
        _ server: TestHTTPServer, model: String = "sdxl.safetensors", workflow: ComfyUIWorkflow? = nil,
        referenceWorkflow: ComfyUIWorkflow? = nil, timeout: Duration = normalTimeout
    )
        throws -> ComfyUIProvider
    {
        var configuration = ComfyUIProvider.Configuration()
        configuration.baseURL = server.baseURL
        configuration.requestTimeout = timeout
        configuration.pollInterval = .milliseconds(10)
        return ComfyUIProvider(
            model: model, workflow: try workflow ?? ComfyUIWorkflow.standard, referenceWorkflow: referenceWorkflow,
            parameters: ["steps": "30"], httpClient: .shared, configuration: configuration)
    }

    @Test func aProductReferenceIsUploadedAndLoadedByTheImg2ImgWorkflow() async throws {
        let fake = FakeComfyUIServer(pollsBeforeDone: 1)
        let product = try reference(.product)
        try await withTestHTTPServer(fake.handler) { server in
            let comfy = try provider(server, referenceWorkflow: try ComfyUIWorkflow.standardImageToImage)
            let image = try await comfy.generate(request(width: 1024, height: 768, references: [product]))
            #expect((image.width, image.height) == (1024, 768))
            #expect(try Image.decode(image.bytes).width == 1024)
            let upload = try #require(fake.state.requests.first)
            #expect("\(upload.method) \(upload.path)" == "POST /upload/image")
            let form = try FakeMultipartBody(upload)
            #expect(form.fields["overwrite"] == "true")
            let name = try #require(form.files("image").first?.filename)
            #expect(name.hasPrefix("adgen-") && name.hasSuffix("-ridge-3.png"))
            #expect(fake.inputs[name] == product.bytes, "the server holds the product's bytes")
            #expect(fake.references.all.map(\.bytes) == [product.bytes])
            let promptID = try #require(image.providerRequestID)
            let graph = try #require(fake.graphs[promptID])
            #expect(graph["10"]?["class_type"]?.string == "LoadImage")
            #expect(graph["10"]?["inputs"]?["image"]?.string == name)
            #expect(graph["11"]?["inputs"]?["width"]?.int == 1024 && graph["11"]?["inputs"]?["height"]?.int == 768)
            #expect(graph["11"]?["inputs"]?["batch_size"] == nil)
            #expect(graph["3"]?["inputs"]?["denoise"]?.double == 0.6)
            #expect(graph["3"]?["inputs"]?["steps"]?.int == 30)
            #expect(graph["6"]?["inputs"]?["text"]?.string == "trail running shoe on a rock, warm light")
            #expect(graph["4"]?["inputs"]?["ckpt_name"]?.string == "sdxl.safetensors")
            #expect(fake.state.violations.isEmpty)

            let textOnly = try await comfy.generate(request(width: 512, height: 512))
            let textOnlyID = try #require(textOnly.providerRequestID)
            let txt2img = try #require(fake.graphs[textOnlyID])
            #expect(txt2img["5"]?["class_type"]?.string == "EmptyLatentImage", "the txt2img workflow, as before")
            #expect(txt2img.object?.values.contains { $0["class_type"]?.string == "LoadImage" } == false)
            #expect(fake.state.requests.filter { $0.path == "/upload/image" }.count == 1)
        }
    }

    @Test func aWorkflowOfItsOwnTakesTheProductAndTheLogoInTheNodesItNames() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var graph = try #require(JSONValue.parse(ComfyUIWorkflow.imageToImageSource)?.object)
        graph["20"] = ["class_type": "LoadImage", "inputs": ["image": "logo-here.png"]]
        try folder.write("flows/ip.json", String(decoding: JSONValue.object(graph).encoded, as: UTF8.self))
        let fake = FakeComfyUIServer(pollsBeforeDone: 0)
        let product = try reference(.product)
        let logo = try reference(.logo)
        try await withTestHTTPServer(fake.handler) { server in
            let parameters = ["workflow": "flows/ip.json", "image_node": "20", "logo_node": "10"]
            #expect(
                ProviderFactory.referenceProblem(
                    provider: "comfyui", model: "default", parameters: parameters, roles: [.product, .logo],
                    directory: folder.path) == nil)
            let factory = ProviderFactory(environment: [:], httpClient: .shared, directory: folder.path)
            let comfy = try #require(
                try factory.provider(
                    for: .make("comfyui", model: "default", baseURL: server.baseURL, parameters: parameters))
                    as? ComfyUIProvider)
            #expect(comfy.parameters.isEmpty, "node names are no sampler settings")
            let image = try await comfy.generate(request(width: 768, height: 768, references: [product, logo]))
            let promptID = try #require(image.providerRequestID)
            let sent = try #require(fake.graphs[promptID])
            let names = fake.references.all.compactMap(\.filename)
            #expect(names.count == 2)
            #expect(sent["20"]?["inputs"]?["image"]?.string == names.first)
            #expect(sent["10"]?["inputs"]?["image"]?.string == names.last)
            #expect(fake.inputs[names[0]] == product.bytes && fake.inputs[names[1]] == logo.bytes)
            #expect(fake.state.violations.isEmpty)
        }
    }

    @Test func aWorkflowWithoutLoadImageCannotTakeReferencesAndNothingIsSent() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("flows/txt.json", ComfyUIWorkflow.defaultSource)
        let problem = try #require(
            ProviderFactory.referenceProblem(
                provider: "comfyui", model: "default", parameters: ["workflow": "flows/txt.json"],
                directory: folder.path))
        #expect(problem.contains("LoadImage") && problem.contains("image_node"))
        #expect(ProviderFactory.referenceProblem(provider: "comfyui", model: "default", parameters: [:]) == nil)
        let builtIn = try #require(
            ProviderFactory.referenceProblem(
                provider: "comfyui", model: "default", parameters: [:], roles: [.product, .logo]))
        #expect(builtIn.contains("built-in") && builtIn.contains("generation.parameters.workflow"))
        let fake = FakeComfyUIServer(pollsBeforeDone: 0)
        try await withTestHTTPServer(fake.handler) { server in
            let error = try #require(
                await providerError {
                    try await provider(server).generate(request(references: [try reference(.product)]))
                })
            #expect(error.kind == "invalid_request")
            #expect(error.message == problem)
            #expect(fake.state.requests.isEmpty, "nothing uploaded, nothing queued")
        }
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
