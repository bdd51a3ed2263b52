import AdgenCore
import Foundation
import Synchronization

/// A fake ComfyUI server, following `comfyui.json`: `POST /prompt` takes `{prompt: graph, client_id}` (every node
/// a `{class_type, inputs}`) and answers `{prompt_id, number, node_errors}` or 400 `{error, node_errors}`;
/// `GET /history/{id}` is `{}` until the prompt ran (`pollsBeforeDone` polls), then `{id: {prompt, outputs,
/// status}}`; `GET /view?filename&subfolder&type` serves the image; `GET /queue`, `POST /queue {delete}` and
/// `POST /interrupt` manage the queue. The image is the size of the graph's `EmptyLatentImage` (or, in an img2img
/// graph, its `ImageScale`), rounded down to a multiple of 8 as the latent is.
///
/// `POST /upload/image` takes a multipart form as the server's `image_upload` reads it: a file part `image` with a
/// file name, optional `overwrite` (`true`/`1`), `subfolder` and `type` (`input`, `temp`, `output`); it stores the
/// file (without `overwrite`, a taken name with other bytes becomes `name (1).ext`) and answers `{name, subfolder,
/// type}`; a form it cannot read is a bare 400, as the server's. A `LoadImage` node whose `image` names no stored
/// input file fails `/prompt` validation (400 with `node_errors`), as the server's `VALIDATE_INPUTS` does.
public final class FakeComfyUIServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// The images uploaded, with the name they were stored under as `filename`.
    public let references = FakeReceivedImages()
    /// The input folder: uploaded files by `subfolder/name` (or `name`).
    public var inputs: [String: [UInt8]] { files.withLock { $0 } }

    let files = Mutex([String: [UInt8]]())
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
        case ("POST", "/upload/image"): return upload(request)
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
        let latent = Self.sizeNode(graph)
        let sampler = nodes.values.first { $0["class_type"]?.string == "KSampler" }
        if latent?["inputs"]?["width"]?.int == nil { state.violation("EmptyLatentImage has no integer width") }
        if sampler?["inputs"]?["seed"]?.double == nil { state.violation("KSampler has no numeric seed") }
        let stored = inputs
        for id in nodes.keys.sorted() where nodes[id]?["class_type"]?.string == "LoadImage" {
            let image = nodes[id]?["inputs"]?["image"]?.string ?? ""
            guard stored[image] == nil else { continue }
            state.violation("LoadImage \(id) names '\(image)', which was not uploaded")
            return .json(
                [
                    "error": [
                        "type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
                        "details": "", "extra_info": [:],
                    ],
                    "node_errors": [
                        id: [
                            "errors": [
                                [
                                    "type": "custom_validation_failed", "message": "Custom validation failed for node",
                                    "details": .string("image - Invalid image file: \(image)"), "extra_info": [:],
                                ]
                            ],
                            "dependent_outputs": ["9"], "class_type": "LoadImage",
                        ]
                    ],
                ],
                status: 400)
        }
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

    /// The node that sets the image's size: the `EmptyLatentImage`, else an `ImageScale` (img2img).
    static func sizeNode(_ graph: JSONValue) -> JSONValue? {
        let nodes = graph.object ?? [:]
        return nodes.values.first { $0["class_type"]?.string == "EmptyLatentImage" }
            ?? nodes.values.first { $0["class_type"]?.string == "ImageScale" }
    }

    /// `POST /upload/image`.
    func upload(_ request: TestHTTPRequest) -> TestHTTPResponse {
        func refuse(_ reason: String) -> TestHTTPResponse {
            state.violation("/upload/image: \(reason)")
            return TestHTTPResponse(status: 400)
        }
        let form: FakeMultipartBody
        do {
            form = try FakeMultipartBody(request)
        } catch {
            return refuse(error.description)
        }
        guard let image = form.files("image").first, let filename = image.filename, !filename.isEmpty else {
            return refuse("no file part 'image' with a file name")
        }
        let fields = form.fields
        let type = fields["type"] ?? "input"
        guard ["input", "temp", "output"].contains(type) else { return refuse("type '\(type)'") }
        let subfolder = fields["subfolder"] ?? ""
        guard !filename.contains("/"), !filename.contains(".."), !subfolder.contains("..") else {
            return refuse("'\(filename)' leaves the upload folder")
        }
        let record = FakeReceivedImage(
            field: "image", filename: filename, mediaType: image.contentType, bytes: image.bytes)
        guard (try? record.checkImage()) != nil else { return refuse("'\(filename)' is not an image") }
        let overwrite = ["true", "1"].contains(fields["overwrite"] ?? "")
        let name: String = files.withLock { files in
            let key = { (name: String) in subfolder.isEmpty ? name : subfolder + "/" + name }
            var name = filename
            if !overwrite {
                let stem = (filename as NSString).deletingPathExtension
                let ext = (filename as NSString).pathExtension
                var counter = 1
                while let existing = files[key(name)], existing != image.bytes {
                    name = "\(stem) (\(counter))" + (ext.isEmpty ? "" : ".\(ext)")
                    counter += 1
                }
            }
            files[key(name)] = image.bytes
            return name
        }
        var stored = record
        stored.filename = name
        references.append([stored])
        return .json(["name": .string(name), "subfolder": .string(subfolder), "type": .string(type)])
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
        let latent = Self.sizeNode(prompt.graph)?["inputs"]
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
