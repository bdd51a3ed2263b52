/// A ComfyUI workflow in API format (node id → `{class_type, inputs}`) and where a request goes into it: the
/// sampler's seed, the prompt and negative prompt encoders its `positive` and `negative` inputs link to, the latent
/// image its `latent_image` links to (width, height; for img2img, the scaled image a `VAEEncode` there encodes),
/// the checkpoint loader (the model), and the `LoadImage` nodes reference images go into (the first the product's,
/// the second the logo's). Found by following the sampler's links, or named in `generation.parameters`
/// (`prompt_node`, `negative_node`, `sampler_node`, `latent_node`, `checkpoint_node`, `image_node`, `logo_node`).
public struct ComfyUIWorkflow: Sendable, Hashable {
    /// The graph.
    public var graph: [String: JSONValue]
    /// The node ids the request is written to.
    public var samplerNode: String
    public var promptNode: String
    public var negativeNode: String?
    public var latentNode: String
    public var checkpointNode: String?
    /// The node whose `image` input takes the uploaded product image; nil when the workflow has none.
    public var imageNode: String?
    /// The node whose `image` input takes the uploaded logo; nil when the workflow has none.
    public var logoNode: String?

    /// The built-in txt2img workflow.
    public static var standard: ComfyUIWorkflow {
        get throws(ProviderSetupError) { try ComfyUIWorkflow(json: defaultSource) }
    }

    /// Reads a workflow and finds its nodes. Throws when it is not API-format JSON or a node cannot be found.
    public init(json text: String, parameters: [String: String] = [:]) throws(ProviderSetupError) {
        guard let graph = JSONValue.parse(text)?.object, !graph.isEmpty else {
            throw ProviderSetupError(
                "the ComfyUI workflow is not a JSON object of nodes; export it with \"Save (API Format)\"")
        }
        if graph["nodes"] != nil || graph.values.contains(where: { $0["class_type"] == nil }) {
            throw ProviderSetupError(
                "the ComfyUI workflow is in the editor's format, not the API format; export it with \"Save (API Format)\""
            )
        }
        self.graph = graph
        func node(_ name: String, _ id: String?) throws(ProviderSetupError) -> String? {
            guard let id else { return nil }
            guard graph[id] != nil else {
                throw ProviderSetupError("generation.parameters.\(name) '\(id)' is not a node of the ComfyUI workflow")
            }
            return id
        }
        let samplerTypes: Set<String> = ["KSampler", "KSamplerAdvanced"]
        guard
            let sampler = try node("sampler_node", parameters["sampler_node"])
                ?? graph.keys.sorted().first(where: { samplerTypes.contains(graph[$0]?["class_type"]?.string ?? "") })
        else {
            throw ProviderSetupError(
                "the ComfyUI workflow has no KSampler node; name the node that takes the seed in generation.parameters.sampler_node"
            )
        }
        samplerNode = sampler
        let inputs = graph[sampler]?["inputs"]
        func linked(_ input: String) -> String? {
            guard let id = inputs?[input]?[0]?.string, graph[id] != nil else { return nil }
            return id
        }
        guard
            let prompt = try node("prompt_node", parameters["prompt_node"])
                ?? linked("positive").flatMap({ graph[$0]?["inputs"]?["text"]?.string != nil ? $0 : nil })
        else {
            throw ProviderSetupError(
                "the ComfyUI workflow's sampler \(sampler) has no positive text encoder linked; name it in generation.parameters.prompt_node"
            )
        }
        promptNode = prompt
        negativeNode =
            try node("negative_node", parameters["negative_node"])
            ?? linked("negative").flatMap { graph[$0]?["inputs"]?["text"]?.string != nil ? $0 : nil }
        func sized(_ id: String?) -> String? {
            guard let id, let inputs = graph[id]?["inputs"] else { return nil }
            if inputs["width"] != nil { return id }
            // img2img: the latent is a VAEEncode of pixels scaled to the size.
            guard let pixels = inputs["pixels"]?[0]?.string, graph[pixels]?["inputs"]?["width"] != nil else {
                return nil
            }
            return pixels
        }
        guard let latent = try node("latent_node", parameters["latent_node"]) ?? sized(linked("latent_image")) else {
            throw ProviderSetupError(
                "the ComfyUI workflow's sampler \(sampler) has no empty latent image (or VAEEncode of a scaled image) "
                    + "linked; name the node with the width and height in generation.parameters.latent_node")
        }
        latentNode = latent
        checkpointNode =
            try node("checkpoint_node", parameters["checkpoint_node"])
            ?? graph.keys.sorted().first { graph[$0]?["class_type"]?.string == "CheckpointLoaderSimple" }
        let loaders = graph.keys.filter { graph[$0]?["class_type"]?.string == "LoadImage" }.sorted {
            (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1)
        }
        imageNode = try node("image_node", parameters["image_node"]) ?? loaders.first
        logoNode = try node("logo_node", parameters["logo_node"]) ?? loaders.first { $0 != imageNode }
    }

    /// Why the workflow cannot take reference images in `roles`, as a message saying how to fix it; nil when it
    /// can.
    public func referenceProblem(roles: [ReferenceImage.Role]) -> String? {
        if roles.contains(.product), imageNode == nil {
            return "the ComfyUI workflow has no LoadImage node for the product image; add one where the image goes "
                + "in, or name the node that takes it in generation.parameters.image_node"
        }
        if roles.contains(.logo), logoNode == nil {
            return "the ComfyUI workflow has no second LoadImage node for the logo; add one, or name the node that "
                + "takes it in generation.parameters.logo_node"
        }
        return nil
    }

    /// The sampler settings `generation.parameters` may set.
    static let samplerParameters = ["steps", "cfg", "sampler_name", "scheduler", "denoise"]

    /// The graph with `request` written in. `model` replaces the checkpoint unless it is `default`; `images` are
    /// the names uploaded reference images have on the server (`POST /upload/image`), written to the image nodes.
    public func filled(
        with request: GenerationRequest, model: String, parameters: [String: String],
        images: [ReferenceImage.Role: String] = [:]
    ) -> JSONValue {
        var graph = self.graph
        func set(_ node: String, _ input: String, _ value: JSONValue) {
            guard case .object(var members) = graph[node], case .object(var inputs) = members["inputs"] else { return }
            inputs[input] = value
            members["inputs"] = .object(inputs)
            graph[node] = .object(members)
        }
        let samplerInputs = graph[samplerNode]?["inputs"]
        set(samplerNode, samplerInputs?["noise_seed"] != nil ? "noise_seed" : "seed", .uint(request.seed))
        for name in Self.samplerParameters {
            if let value = parameters[name] { set(samplerNode, name, JSONValue.inferred(value)) }
        }
        set(promptNode, "text", .string(request.prompt))
        if let negativeNode { set(negativeNode, "text", .string(request.negativePrompt ?? "")) }
        set(latentNode, "width", .int(Int64(request.width)))
        set(latentNode, "height", .int(Int64(request.height)))
        // An image scaler (img2img) has no batch size.
        let latentInputs = graph[latentNode]?["inputs"]
        if latentInputs?["batch_size"] != nil || latentInputs?["image"] == nil { set(latentNode, "batch_size", 1) }
        if let imageNode, let name = images[.product] { set(imageNode, "image", .string(name)) }
        if let logoNode, let name = images[.logo] { set(logoNode, "image", .string(name)) }
        if let checkpointNode, !["default", "workflow", ""].contains(model) {
            set(checkpointNode, "ckpt_name", .string(model))
        }
        return .object(graph)
    }
}
