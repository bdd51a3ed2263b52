import Foundation
import Yams

/// `adgen.yaml`: the operator's defaults — where the store is, and per provider the model, base URL,
/// concurrency, rate limits, retries and timeout that a campaign's `generation:` does not set itself.
/// Credentials are never read from it (only from environment variables).
///
/// ```yaml
/// store: /var/lib/adgen/adgen.sqlite
/// data: /srv/adgen            # generations/ and batches/ (default: the store's folder)
/// providers:
///   openai: { model: gpt-image-1, concurrency: 8, requests_per_minute: 50, max_attempts: 5 }
///   comfyui: { base_url: "http://10.0.0.5:8188", concurrency: 2 }
/// webhooks: { retry_schedule_s: [0, 5, 300, 1800], max_age_s: 86400, wait_s: 60 }
/// server:                     # adgen serve
///   api_keys: [{ sha256: 9f86d0…, tenant: acme }]   # `adgen serve --hash-key KEY` prints the digest
///   requests_per_second: 100
///   active_batches_per_key: 8
///   creatives_per_batch: 100000
/// ```
public struct AdgenConfiguration: Sendable, Equatable {
    /// Defaults for one provider.
    public struct ProviderDefaults: Sendable, Equatable {
        public var model: String?
        public var baseURL: String?
        public var concurrency: Int?
        public var requestsPerMinute: Double?
        public var imagesPerMinute: Double?
        public var maxAttempts: Int?
        public var timeoutSeconds: Double?
        public var parameters: [String: String] = [:]

        /// No defaults.
        public init() {}
    }

    /// The job store's path.
    public var store: String?
    /// The data root: where generations and creatives are written (default: the store's folder).
    public var data: String?
    /// Defaults by provider id.
    public var providers: [String: ProviderDefaults] = [:]
    /// How webhook messages are sent (`webhooks:`).
    public var webhooks = WebhookSettings()
    /// `adgen serve`'s keys and limits (`server:`).
    public var server = ServerSettings()

    /// `server:`: the API keys a server accepts (as SHA-256 digests, never the keys) and its limits.
    public struct ServerSettings: Sendable, Equatable {
        /// A key's digest and the tenant it stands for.
        public struct Key: Sendable, Equatable {
            public var sha256: String
            public var tenant: String
        }

        public var apiKeys: [Key] = []
        public var requestsPerSecond: Double?
        public var activeBatchesPerKey: Int?
        public var creativesPerBatch: Int?

        /// The defaults.
        public init() {}
    }

    /// `webhooks:`: the retry schedule, and the operator's permission to call http or private addresses (which a
    /// campaign file can never give).
    public struct WebhookSettings: Sendable, Equatable {
        /// Seconds before each attempt (the first is usually 0).
        public var retrySchedule: [Double]?
        /// No attempt starts later than this after the event.
        public var maxAgeSeconds: Double?
        /// How long `adgen run` and `adgen export` wait for deliveries still retrying before they exit.
        public var waitSeconds: Double?
        /// Allow `http://` URLs (`ADGEN_ALLOW_INSECURE_WEBHOOKS=1` does the same).
        public var allowInsecure = false
        /// Allow loopback, private, link-local, CGNAT and ULA addresses (`ADGEN_ALLOW_PRIVATE_WEBHOOKS=1`).
        public var allowPrivate = false

        /// The defaults.
        public init() {}
    }

    /// No settings.
    public init() {}

    /// The file to read: `explicit` (`--config`), else `$ADGEN_CONFIG`, else `adgen.yaml` in the current folder
    /// when there is one; nil when none applies.
    public static func locate(explicit: String?, environment: [String: String]) -> String? {
        if let explicit { return explicit }
        if let path = environment["ADGEN_CONFIG"], !path.isEmpty { return path }
        return FileManager.default.fileExists(atPath: "adgen.yaml") ? "adgen.yaml" : nil
    }

    /// Reads `path`; every problem is reported at its FILE:LINE:COL.
    public static func load(path: String) throws(CampaignError) -> AdgenConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CampaignError([
                Diagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot read the configuration file")
            ])
        }
        let source = try YAMLSource(bytes: Array(data), file: path, maxBytes: 1 << 20)
        var decoder = ConfigurationDecoder(source: source)
        let configuration = decoder.decode()
        if !decoder.diagnostics.isEmpty { throw CampaignError(decoder.diagnostics) }
        return configuration
    }
}

extension GenerationSettings {
    /// These settings, with what the campaign left unset taken from `defaults`.
    public func withDefaults(_ defaults: AdgenConfiguration.ProviderDefaults?) -> GenerationSettings {
        guard let defaults else { return self }
        var settings = self
        if !explicitKeys.contains("model"), let model = defaults.model { settings.model = model }
        if !explicitKeys.contains("base_url"), let url = defaults.baseURL { settings.baseURL = url }
        if !explicitKeys.contains("concurrency"), let concurrency = defaults.concurrency {
            settings.concurrency = concurrency
        }
        settings.requestsPerMinute = requestsPerMinute ?? defaults.requestsPerMinute
        settings.imagesPerMinute = imagesPerMinute ?? defaults.imagesPerMinute
        settings.maxAttempts = maxAttempts ?? defaults.maxAttempts
        settings.timeoutSeconds = timeoutSeconds ?? defaults.timeoutSeconds
        settings.parameters = defaults.parameters.merging(parameters) { $1 }
        return settings
    }
}

/// Reads `adgen.yaml`.
struct ConfigurationDecoder: YAMLDecoding {
    let source: YAMLSource
    var diagnostics: [Diagnostic] = []
    var suggestedKeys: Set<String> = []

    static let providerKeys = [
        "model", "base_url", "concurrency", "requests_per_minute", "images_per_minute", "max_attempts", "timeout_s",
        "parameters",
    ]
    /// Keys people try for credentials: refused with a pointer to the environment variable.
    static let credentialKeys = ["api_key", "key", "token", "api_token", "secret", "password"]

    init(source: YAMLSource) { self.source = source }

    mutating func decode() -> AdgenConfiguration {
        var configuration = AdgenConfiguration()
        guard let root = source.root,
            let pairs = mapping(
                root, "the configuration", allowed: ["store", "data", "providers", "webhooks", "server"])
        else { return configuration }
        for (key, _, value) in pairs {
            switch key {
            case "store": configuration.store = string(value, "store")
            case "data": configuration.data = string(value, "data")
            case "providers":
                for (provider, providerNode, settings) in mapping(value, "providers") ?? [] {
                    guard GenerationSettings.knownProviders.contains(provider) else {
                        error(
                            providerNode, "unknown provider '\(provider)'",
                            hint: Suggestion.hint(
                                for: provider, in: GenerationSettings.knownProviders, noun: "provider"))
                        continue
                    }
                    configuration.providers[provider] = decodeProvider(provider, settings)
                }
            case "webhooks": configuration.webhooks = decodeWebhooks(value)
            case "server": configuration.server = decodeServer(value)
            default: break
            }
        }
        return configuration
    }

    mutating func decodeWebhooks(_ node: Node) -> AdgenConfiguration.WebhookSettings {
        var settings = AdgenConfiguration.WebhookSettings()
        let allowed = ["retry_schedule_s", "max_age_s", "wait_s", "allow_insecure", "allow_private"]
        for (key, _, value) in mapping(node, "webhooks", allowed: allowed) ?? [] {
            switch key {
            case "retry_schedule_s":
                settings.retrySchedule = (list(value, "webhooks.retry_schedule_s") ?? []).compactMap {
                    number($0, "a delay in webhooks.retry_schedule_s", range: 0...604_800)
                }
                if settings.retrySchedule?.isEmpty == true {
                    error(value, "webhooks.retry_schedule_s needs at least one delay", hint: "e.g. [0, 5, 300, 1800]")
                }
            case "max_age_s": settings.maxAgeSeconds = number(value, "webhooks.max_age_s", range: 1...2_592_000)
            case "wait_s": settings.waitSeconds = number(value, "webhooks.wait_s", range: 0...86_400)
            case "allow_insecure": settings.allowInsecure = bool(value, "webhooks.allow_insecure") ?? false
            case "allow_private": settings.allowPrivate = bool(value, "webhooks.allow_private") ?? false
            default: break
            }
        }
        return settings
    }

    mutating func decodeServer(_ node: Node) -> AdgenConfiguration.ServerSettings {
        var settings = AdgenConfiguration.ServerSettings()
        let allowed = ["api_keys", "requests_per_second", "active_batches_per_key", "creatives_per_batch"]
        for (key, _, value) in mapping(node, "server", allowed: allowed) ?? [] {
            switch key {
            case "api_keys":
                for item in list(value, "server.api_keys") ?? [] {
                    var digest: String?
                    var tenant: String?
                    for (field, _, fieldValue) in mapping(item, "an API key", allowed: ["sha256", "tenant"]) ?? [] {
                        switch field {
                        case "sha256": digest = string(fieldValue, "server.api_keys.sha256")
                        case "tenant": tenant = string(fieldValue, "server.api_keys.tenant")
                        default: break
                        }
                    }
                    guard let digest, digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                        error(
                            item, "an API key needs `sha256:`, the key's SHA-256 in 64 hex digits (never the key)",
                            hint: "`adgen serve --hash-key KEY` prints it")
                        continue
                    }
                    guard let tenant, !tenant.isEmpty, tenant.count <= 64,
                        tenant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
                    else {
                        error(item, "an API key needs `tenant:`, a name of letters, digits, `-`, `_` or `.`")
                        continue
                    }
                    settings.apiKeys.append(.init(sha256: digest.lowercased(), tenant: tenant))
                }
            case "requests_per_second":
                settings.requestsPerSecond = number(value, "server.requests_per_second", range: 0...1_000_000)
            case "active_batches_per_key":
                settings.activeBatchesPerKey = integer(value, "server.active_batches_per_key", range: 1...10_000)
            case "creatives_per_batch":
                settings.creativesPerBatch = integer(value, "server.creatives_per_batch", range: 1...10_000_000)
            default: break
            }
        }
        return settings
    }

    mutating func decodeProvider(_ provider: String, _ node: Node) -> AdgenConfiguration.ProviderDefaults {
        var defaults = AdgenConfiguration.ProviderDefaults()
        if case .mapping(let mapping) = node {
            for (keyNode, _) in mapping where Self.credentialKeys.contains(keyNode.scalar?.string ?? "") {
                error(
                    keyNode, "credentials are not read from the configuration file",
                    hint: "set the provider's environment variable instead (see docs/providers.md)")
            }
        }
        let what = "providers.\(provider)"
        let allowed = Self.providerKeys + Self.credentialKeys
        for (key, _, value) in mapping(node, what, allowed: allowed) ?? [] {
            switch key {
            case "model": defaults.model = string(value, "\(what).model")
            case "base_url": defaults.baseURL = string(value, "\(what).base_url")
            case "concurrency": defaults.concurrency = integer(value, "\(what).concurrency", range: 1...256)
            case "requests_per_minute":
                defaults.requestsPerMinute = number(value, "\(what).requests_per_minute", range: 0.1...1_000_000)
            case "images_per_minute":
                defaults.imagesPerMinute = number(value, "\(what).images_per_minute", range: 0.1...1_000_000)
            case "max_attempts": defaults.maxAttempts = integer(value, "\(what).max_attempts", range: 1...100)
            case "timeout_s": defaults.timeoutSeconds = number(value, "\(what).timeout_s", range: 1...3600)
            case "parameters":
                for (name, _, parameter) in mapping(value, "\(what).parameters") ?? [] {
                    if let text = string(parameter, "\(what).parameters.\(name)", allowEmpty: true) {
                        defaults.parameters[name] = text
                    }
                }
            default: break
            }
        }
        return defaults
    }
}
