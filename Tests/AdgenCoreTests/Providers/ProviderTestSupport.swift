import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Crypto
import Testing

@testable import AdgenCore

/// The faults every HTTP adapter maps the same way, with the `ProviderError.kind` each must become.
let commonFaults: [(ProviderFault, String)] = [
    (.rateLimited(retryAfter: "7"), "rate_limited"),
    (.serverError(status: 500), "unavailable"),
    (.serverError(status: 503), "unavailable"),
    (.malformedJSON, "bad_response"),
    (.wrongContentType, "bad_response"),
    (.nonImage, "bad_response"),
    (.wrongSize(width: 320, height: 200), "bad_response"),
    (.invalidRequest, "invalid_request"),
    (.dropConnection, "connection"),
    (.slow(.seconds(5)), "timeout"),
]

/// A short request timeout, so a slow answer fails fast.
let shortTimeout: Duration = .milliseconds(300)

/// The timeout of every other request: generous, as the tests share two cores with builds.
let normalTimeout: Duration = .seconds(10)

/// The request timeout for a test of `fault`: short for the faults that are about time.
func timeout(for fault: ProviderFault?) -> Duration {
    switch fault {
    case .slow?, .stalledBody?: shortTimeout
    default: normalTimeout
    }
}

/// Runs `generate` and returns the `ProviderError` it threw.
func providerError(_ generate: () async throws -> GeneratedImage) async -> ProviderError? {
    do {
        _ = try await generate()
        return nil
    } catch let error as ProviderError {
        return error
    } catch {
        Issue.record("not a ProviderError: \(error)")
        return nil
    }
}

/// Starts `generate` in a task, cancels it once `ready()` holds (the remote job exists), and returns the error
/// and how long it took to come back after the cancellation.
func cancelledError(
    when ready: @escaping @Sendable () -> Bool, _ generate: @escaping @Sendable () async throws -> GeneratedImage
) async -> (ProviderError?, Duration) {
    let task = Task { try await generate() }
    let deadline = ContinuousClock.now + .seconds(10)
    while !ready(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    try? await Task.sleep(for: .milliseconds(30))
    let start = ContinuousClock.now
    task.cancel()
    let result = await task.result
    let elapsed = ContinuousClock.now - start
    switch result {
    case .success: return (nil, elapsed)
    case .failure(let error): return (error as? ProviderError, elapsed)
    }
}

/// A request at a size every fake supports.
func request(
    width: Int = 1024, height: Int = 1024, seed: UInt64 = 42, negative: String? = nil,
    references: [ReferenceImage] = []
) -> GenerationRequest {
    GenerationRequest(
        prompt: "trail running shoe on a rock, warm light", negativePrompt: negative, seed: seed, width: width,
        height: height, model: "m", references: references)
}

/// A reference image as an advertiser sends one: a PNG whose product (red; the logo blue) sits on a transparent
/// background, with its digest.
func reference(
    _ role: ReferenceImage.Role = .product, name: String? = nil, width: Int = 96, height: Int = 64
) throws -> ReferenceImage {
    let canvas = try Image.solid(width: width, height: height, color: RGBA(red: 0, green: 0, blue: 0, alpha: 0))
    let color = role == .product ? RGBA(red: 200, green: 60, blue: 30) : RGBA(red: 20, green: 40, blue: 200)
    let subject = try Image.solid(width: width / 2, height: height / 2, color: color)
    let bytes = try canvas.composited(subject, x: width / 4, y: height / 4).encoded(EncodeOptions(format: .png))
    return ReferenceImage(
        role: role, name: name ?? (role == .product ? "ridge-3.png" : "logo.png"), mediaType: "image/png",
        sha256: Hex.string(SHA256.hash(data: bytes)), bytes: bytes)
}

extension GenerationSettings {
    static func make(
        _ provider: String, model: String, baseURL: String? = nil, parameters: [String: String] = [:]
    ) -> GenerationSettings {
        var settings = GenerationSettings()
        settings.provider = provider
        settings.model = model
        settings.baseURL = baseURL
        settings.parameters = parameters
        return settings
    }
}
