import AdgenCore
import Foundation
import Synchronization

/// A fake ComfyUI server, following `comfyui.json`: `POST /prompt` takes `{prompt: graph, client_id}` (every node
/// a `{class_type, inputs}`) and answers `{prompt_id, number, node_errors}` or 400 `{error, node_errors}`;
/// `GET /history/{id}` is `{}` until the prompt ran (`pollsBeforeDone` polls), then `{id: {prompt, outputs,
/// status}}`; `GET /view?filename&subfolder&type` serves the image; `GET /queue`, `POST /queue {delete}` and
/// `POST /interrupt` manage the queue. The image is the size of the graph's `EmptyLatentImage`, rounded down to
/// a multiple of 8 as the latent is.
public final class FakeComfyUIServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// History polls before the prompt has run.
    public let pollsBeforeDone: Int
    /// Prompts received, by id: the filled graphs.
    public var graphs: [String: JSONValue] { prompts.withLock { $0.mapValues(\.graph) } }
    /// Whether `POST /interrupt` was called.
    public var interrupted: Bool { prompts.withLock { $0.values.contains { $0.interrupted } } }

    let prompts = Mutex([String: Prompt]())

    struct Prompt {
        var graph: JSONValue
        var pollsLeft: Int
        var fault: ProviderFault?
        var filename: String
        var interrupted = false
    }

    /// Creates the fake.
    public init(pollsBeforeDone: Int = 1) { self.pollsBeforeDone = pollsBeforeDone }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { [self] request in await handle(request) } }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        state.record(request)
        switch (request.method, request.path) {
        case ("POST", "/prompt"): return await submit(request)
        case ("GET", let path) where path.hasPrefix("/history/"): return history(String(path.dropFirst(9)))
        case ("GET", "/view"): return view(request)
        case ("GET", "/queue"):
            let running = prompts.withLock { $0.filter { $0.value.pollsLeft >= 0 }.map(\.key) }
            return .json([
                "queue_running": .array(running.map { [0, .string($0), [:], [:], []] }), "queue_pending": [],
            ])
        case ("POST", "/queue"):
            for id in request.json?["delete"]?.array ?? [] { if let id = id.string { state.cancel(id) } }
            return TestHTTPResponse(status: 200)
        case ("POST", "/interrupt"):
            let id = request.json?["prompt_id"]?.string
            prompts.withLock { all in
                for key in all.keys where id == nil || key == id { all[key]?.interrupted = true }
            }
            return TestHTTPResponse(status: 200)
        default:
            state.violation("\(request.method) \(request.path) is no ComfyUI route")
            return .text("404: Not Found", status: 404)
        }
    }

    func submit(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        guard let graph = request.json?["prompt"], let nodes = graph.object, !nodes.isEmpty else {
            state.violation("POST /prompt without a prompt graph")
            return .json(
                [
                    "error": [
                        "type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided",
                        "extra_info": [:],
                    ], "node_errors": [:],
                ],
                status: 400)
        }
        for (id, node) in nodes where node["class_type"]?.string == nil || node["inputs"]?.object == nil {
            state.violation("node \(id) has no class_type or inputs")
        }
        let latent = nodes.values.first { $0["class_type"]?.string == "EmptyLatentImage" }
        let sampler = nodes.values.first { $0["class_type"]?.string == "KSampler" }
        if latent?["inputs"]?["width"]?.int == nil { state.violation("EmptyLatentImage has no integer width") }
        if sampler?["inputs"]?["seed"]?.double == nil { state.violation("KSampler has no numeric seed") }
        let fault = state.nextFault()
        switch fault {
        case .invalidRequest?:
            return .json(
                [
                    "error": [
                        "type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
                        "details": "", "extra_info": [:],
                    ],
                    "node_errors": [
                        "4": [
                            "errors": [
                                [
                                    "type": "value_not_in_list", "message": "Value not in list",
                                    "details": "ckpt_name: 'missing.safetensors' not in []", "extra_info": [:],
                                ]
                            ],
                            "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple",
                        ]
                    ],
                ],
                status: 400)
        case .rateLimited?, .serverError?, .slow?, .malformedJSON?, .wrongContentType?, .unauthorized?,
            .dropConnection?, .stalledBody?, .quotaExhausted?:
            if let response = await fault!.genericResponse(errorBody: {
                ["error": ["type": .string($0), "message": .string($1)]]
            }) {
                return response
            }
        default: break
        }
        let id = UUID().uuidString.lowercased()
        let filename = "ComfyUI_\(state.nextID("0000"))_.png"
        prompts.withLock { $0[id] = Prompt(graph: graph, pollsLeft: pollsBeforeDone, fault: fault, filename: filename) }
        return .json(["prompt_id": .string(id), "number": 1, "node_errors": [:]])
    }

    func history(_ id: String) -> TestHTTPResponse {
        guard var prompt = prompts.withLock({ $0[id] }) else { return .json([:]) }
        prompt.pollsLeft -= 1
        prompts.withLock { $0[id] = prompt }
        guard prompt.pollsLeft < 0 else { return .json([:]) }
        if prompt.fault == .contentPolicy {
            // ComfyUI has no content policy; its failure shape is an execution error.
            return .json([
                id: [
                    "prompt": [1, .string(id), prompt.graph, [:], ["9"]], "outputs": [:],
                    "status": [
                        "status_str": "error", "completed": false,
                        "messages": [
                            [
                                "execution_error",
                                [
                                    "prompt_id": .string(id), "node_id": "3", "node_type": "KSampler",
                                    "exception_message": "CUDA out of memory",
                                    "exception_type": "torch.OutOfMemoryError", "traceback": [], "current_inputs": [:],
                                    "current_outputs": [:],
                                ],
                            ]
                        ],
                    ],
                ]
            ])
        }
        return .json([
            id: [
                "prompt": [1, .string(id), prompt.graph, [:], ["9"]],
                "outputs": [
                    "9": ["images": [["filename": .string(prompt.filename), "subfolder": "", "type": "output"]]]
                ],
                "status": ["status_str": "success", "completed": true, "messages": []],
            ]
        ])
    }

    func view(_ request: TestHTTPRequest) -> TestHTTPResponse {
        guard let filename = request.query["filename"], request.query["type"] == "output" else {
            state.violation("/view without filename or type=output")
            return .text("400: bad request", status: 400)
        }
        guard let prompt = prompts.withLock({ $0.values.first { $0.filename == filename } }) else {
            return .text("404: Not Found", status: 404)
        }
        let latent = prompt.graph.object?.values.first { $0["class_type"]?.string == "EmptyLatentImage" }?["inputs"]
        var width = (latent?["width"]?.int ?? 512) / 8 * 8
        var height = (latent?["height"]?.int ?? 512) / 8 * 8
        switch prompt.fault {
        case .nonImage?: return .bytes(TestImages.notAnImage, contentType: "image/png")
        case .wrongSize(let w, let h)?: (width, height) = (w, h)
        default: break
        }
        return .bytes(TestImages.png(width: width, height: height), contentType: "image/png")
    }
}
