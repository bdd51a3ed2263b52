import AsyncHTTPClient

/// Makes the provider a campaign's `generation:` names, with credentials from the environment. Everything a
/// provider needs is checked here, before any work starts: a missing API key is an error naming the variable
/// to set, never a failure of the first job.
public struct ProviderFactory: Sendable {
    /// The process environment (credentials are read from it, never from the campaign file).
    public var environment: [String: String]
    /// The HTTP client the adapters share.
    public var httpClient: HTTPClient

    /// Creates a factory.
    public init(environment: [String: String], httpClient: HTTPClient) {
        self.environment = environment
        self.httpClient = httpClient
    }

    /// The provider for `settings`.
    public func provider(for settings: GenerationSettings) throws(ProviderSetupError) -> any ImageProvider {
        switch settings.provider {
        case "local":
            guard settings.model == LocalProvider.model else {
                throw ProviderSetupError(
                    "generation.model '\(settings.model)' is not a model of the local renderer; its only model is "
                        + "'\(LocalProvider.model)'")
            }
            return LocalProvider()
        default:
            throw ProviderSetupError(
                "generation.provider '\(settings.provider)' has no adapter in this build; known: "
                    + GenerationSettings.knownProviders.joined(separator: ", "))
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
