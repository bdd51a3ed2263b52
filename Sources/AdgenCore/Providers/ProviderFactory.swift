import AsyncHTTPClient
import Foundation

/// Makes the provider a campaign's `generation:` names, with credentials from the environment. Everything a
/// provider needs is checked here, before any work starts: a missing API key is an error naming the variable
/// to set, never a failure of the first job.
public struct ProviderFactory: Sendable {
    /// The process environment (credentials are read from it, never from the campaign file).
    public var environment: [String: String]
    /// The HTTP client the adapters share.
    public var httpClient: HTTPClient
    /// Relative paths in `generation.parameters` (a ComfyUI `workflow`) are resolved against this folder; the
    /// campaign file's folder when made through `provider(for campaign:)`.
    public var directory: String?

    /// Creates a factory.
    public init(environment: [String: String], httpClient: HTTPClient, directory: String? = nil) {
        self.environment = environment
        self.httpClient = httpClient
        self.directory = directory
    }

    /// The environment variable each provider's credential is read from.
    public static let keyVariables = [
        "openai": "OPENAI_API_KEY", "replicate": "REPLICATE_API_TOKEN", "fal": "FAL_KEY",
    ]

    /// The model a provider uses when the campaign names none (the campaign default is the local renderer's).
    public static func defaultModel(for provider: String) -> String {
        switch provider {
        case "local": LocalProvider.model
        case "openai": "gpt-image-1"
        case "replicate": "black-forest-labs/flux-schnell"
        case "fal": "fal-ai/flux/schnell"
        default: "default"
        }
    }

    /// Why `provider` with `model` and `parameters` (a campaign's `generation:`) cannot work from the reference
    /// images in `roles` (the product, then the logo when it is sent too), as a message that says how to fix it;
    /// nil when it can, and for `local`, which handles references itself. Offline and cheap: the campaign loader
    /// calls it before anything is paid for. `directory` resolves a relative ComfyUI `workflow` (the campaign
    /// file's folder); a workflow that cannot be read, like an unknown provider, is `provider(for:)`'s error, not
    /// this one's.
    public static func referenceProblem(
        provider: String, model: String, parameters: [String: String], roles: [ReferenceImage.Role] = [.product],
        directory: String? = nil
    ) -> String? {
        guard !roles.isEmpty else { return nil }
        let model = provider != "local" && model == LocalProvider.model ? defaultModel(for: provider) : model
        switch provider {
        case "openai":
            return OpenAIProvider.referenceProblem(model: model, parameters: parameters, roles: roles)
        case "replicate":
            return ReplicateProvider.referenceProblem(model: model, parameters: parameters, roles: roles)
        case "fal":
            return FalProvider.referenceProblem(model: model, parameters: parameters, roles: roles)
        case "comfyui":
            guard parameters["workflow"] != nil else {
                guard let builtIn = try? ComfyUIWorkflow.standardImageToImage else { return nil }
                return builtIn.referenceProblem(roles: roles) == nil
                    ? nil
                    : "the built-in ComfyUI img2img workflow takes the product image only; to send the logo too, "
                        + "use a workflow of your own with a second LoadImage node (generation.parameters.workflow)"
            }
            guard let workflow = try? comfyWorkflow(parameters, directory: directory) else { return nil }
            return ComfyUIProvider.referenceProblem(workflow: workflow, roles: roles)
        case "automatic1111":
            return Automatic1111Provider.referenceProblem(parameters: parameters, roles: roles)
        case "http":
            return HTTPEndpointProvider.referenceProblem(parameters: parameters, roles: roles)
        default:
            return nil
        }
    }

    /// The provider for `campaign`, with paths resolved against its file's folder.
    public func provider(for campaign: Campaign) throws(ProviderSetupError) -> any ImageProvider {
        var factory = self
        factory.directory = factory.directory ?? (campaign.file as NSString).deletingLastPathComponent
        return try factory.provider(for: campaign.generation)
    }

    /// The provider for `settings`.
    public func provider(for settings: GenerationSettings) throws(ProviderSetupError) -> any ImageProvider {
        let model =
            settings.provider != "local" && settings.model == LocalProvider.model
            ? Self.defaultModel(for: settings.provider) : settings.model
        let parameters = settings.parameters
        switch settings.provider {
        case "local":
            guard settings.model == LocalProvider.model else {
                throw ProviderSetupError(
                    "generation.model '\(settings.model)' is not a model of the local renderer; its only model is "
                        + "'\(LocalProvider.model)'")
            }
            return LocalProvider()
        case "openai":
            let key = try credential("openai")
            guard OpenAIProvider.knownModels.contains(where: { model == $0 || model.hasPrefix($0 + "-") }) else {
                throw ProviderSetupError(
                    "generation.model '\(model)' is not an OpenAI image model; use one of "
                        + OpenAIProvider.knownModels.joined(separator: ", "))
            }
            var configuration = OpenAIProvider.Configuration()
            if let base = settings.baseURL { configuration.baseURL = base }
            return OpenAIProvider(
                apiKey: key, model: model, parameters: parameters, httpClient: httpClient,
                configuration: configuration)
        case "replicate":
            return try replicate(model: model, settings: settings)
        case "fal":
            return try fal(model: model, settings: settings)
        case "comfyui":
            var configuration = ComfyUIProvider.Configuration()
            if let base = settings.baseURL { configuration.baseURL = base }
            let workflow = try comfyWorkflow(parameters)
            // Without a workflow of the campaign's own, requests with a reference image run the built-in img2img one.
            let referenceWorkflow = parameters["workflow"] == nil ? try ComfyUIWorkflow.standardImageToImage : nil
            var sampler = parameters
            for key in Self.comfyNodeParameters { sampler[key] = nil }
            return ComfyUIProvider(
                model: model, workflow: workflow, referenceWorkflow: referenceWorkflow, parameters: sampler,
                httpClient: httpClient, configuration: configuration)
        case "automatic1111":
            var configuration = Automatic1111Provider.Configuration()
            if let base = settings.baseURL { configuration.baseURL = base }
            let auth = environment[Automatic1111Provider.authVariable].flatMap { $0.isEmpty ? nil : $0 }
            if let auth, !auth.contains(":") {
                throw ProviderSetupError(
                    "\(Automatic1111Provider.authVariable) must be user:password, as given to the webui's --api-auth")
            }
            return Automatic1111Provider(
                model: model, parameters: parameters, basicAuth: auth, httpClient: httpClient,
                configuration: configuration)
        case "http":
            guard let url = settings.baseURL else {
                throw ProviderSetupError(
                    "generation.provider http needs generation.base_url: the URL the request body is posted to")
            }
            var token: String?
            if let variable = parameters["token_env"] {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ProviderSetupError(
                        "set the environment variable \(variable) (named in generation.parameters.token_env) to the "
                            + "endpoint's bearer token")
                }
                token = value
            }
            return try HTTPEndpointProvider(
                model: model, parameters: parameters, token: token, httpClient: httpClient,
                configuration: .init(url: url))
        default:
            throw ProviderSetupError(
                "generation.provider '\(settings.provider)' has no adapter in this build; known: "
                    + GenerationSettings.knownProviders.joined(separator: ", "))
        }
    }

    /// The removers the `remove_background` steps of `campaign` use, by provider id (a step's `provider`, else
    /// the campaign's), each with the step's `model` or the provider's default remover model.
    public func backgroundRemovers(for campaign: Campaign) throws(ProviderSetupError)
        -> [String: any BackgroundRemover]
    {
        var removers = [String: any BackgroundRemover]()
        for case .removeBackground(let provider, let model) in campaign.pipeline
            + [campaign.product?.remover].compactMap({ $0 })
        {
            removers[provider.rawValue] = try backgroundRemover(
                provider: provider.rawValue, model: model, settings: campaign.generation)
        }
        return removers
    }

    /// A background remover on `provider` (`replicate` or `fal`) with `model` (or its default).
    public func backgroundRemover(provider: String, model: String?, settings: GenerationSettings? = nil)
        throws(ProviderSetupError) -> any BackgroundRemover
    {
        var settings = settings ?? GenerationSettings()
        settings.parameters = [:]
        if settings.provider != provider { settings.baseURL = nil }
        switch provider {
        case "replicate":
            return ReplicateBackgroundRemover(
                replicate: try replicate(model: model ?? ReplicateBackgroundRemover.defaultModel, settings: settings))
        case "fal":
            return FalBackgroundRemover(
                fal: try fal(model: model ?? FalBackgroundRemover.defaultModel, settings: settings))
        default:
            throw ProviderSetupError(
                "remove_background runs through replicate or fal (provider: replicate, model: OWNER/NAME); "
                    + "'\(provider)' has no background-removal model")
        }
    }

    func credential(_ provider: String) throws(ProviderSetupError) -> String {
        let variable = Self.keyVariables[provider] ?? ""
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else {
            throw ProviderSetupError(
                "generation.provider \(provider) needs an API key: set the environment variable \(variable)")
        }
        return value
    }

    func replicate(model: String, settings: GenerationSettings) throws(ProviderSetupError) -> ReplicateProvider {
        let token = try credential("replicate")
        let name = model.split(separator: ":").first.map(String.init) ?? ""
        guard ReplicateProvider.isVersion(model) || name.split(separator: "/").count == 2 else {
            throw ProviderSetupError(
                "generation.model '\(model)' is not a Replicate model: use owner/name, owner/name:version or a version id"
            )
        }
        var configuration = ReplicateProvider.Configuration()
        if let base = settings.baseURL { configuration.baseURL = base }
        return ReplicateProvider(
            token: token, model: model, parameters: settings.parameters, httpClient: httpClient,
            configuration: configuration)
    }

    func fal(model: String, settings: GenerationSettings) throws(ProviderSetupError) -> FalProvider {
        let key = try credential("fal")
        guard model.split(separator: "/").count >= 2 else {
            throw ProviderSetupError("generation.model '\(model)' is not a fal endpoint id such as fal-ai/flux/dev")
        }
        var configuration = FalProvider.Configuration()
        if let base = settings.baseURL { configuration.queueURL = base }
        return FalProvider(
            key: key, model: model, parameters: settings.parameters, httpClient: httpClient,
            configuration: configuration)
    }

    /// The `generation.parameters` of a ComfyUI campaign that say where things go in the workflow, not sampler
    /// settings.
    static let comfyNodeParameters = [
        "workflow", "prompt_node", "negative_node", "sampler_node", "latent_node", "checkpoint_node", "image_node",
        "logo_node",
    ]

    func comfyWorkflow(_ parameters: [String: String]) throws(ProviderSetupError) -> ComfyUIWorkflow {
        try Self.comfyWorkflow(parameters, directory: directory)
    }

    /// The workflow `parameters` name (resolved against `directory`), else the built-in txt2img one.
    static func comfyWorkflow(_ parameters: [String: String], directory: String?) throws(ProviderSetupError)
        -> ComfyUIWorkflow
    {
        guard let path = parameters["workflow"] else {
            return try ComfyUIWorkflow(json: ComfyUIWorkflow.defaultSource, parameters: parameters)
        }
        let resolved =
            path.hasPrefix("/") || directory == nil ? path : (directory! as NSString).appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw ProviderSetupError(
                "cannot read the ComfyUI workflow \(resolved) (generation.parameters.workflow): no such file, or no permission"
            )
        }
        do {
            return try ComfyUIWorkflow(json: String(decoding: data, as: UTF8.self), parameters: parameters)
        } catch {
            throw ProviderSetupError("\(resolved): \(error.description)")
        }
    }
}

/// A provider cannot be set up: a missing credential, an unknown model, a bad base URL.
public struct ProviderSetupError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}

extension ProviderFactory: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Which credentials are set, never their values.
    public var description: String {
        let set = Self.keyVariables.values.sorted().filter { !(environment[$0] ?? "").isEmpty }
        return "ProviderFactory(credentials set: \(set.isEmpty ? "none" : set.joined(separator: ", ")))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
