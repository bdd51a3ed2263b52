import AdgenTesting
import Testing

@testable import AdgenCore

/// `ProviderFactory.referenceProblem`, the check the campaign loader runs before anything is paid for: which
/// configurations can send the product (and the logo) as reference images, and what the user is told otherwise.
@Suite struct ReferenceProblemTests {
    static let product: [ReferenceImage.Role] = [.product]
    static let both: [ReferenceImage.Role] = [.product, .logo]

    /// Configurations that can take references: provider, model, parameters, roles.
    static let supported: [(String, String, [String: String], [ReferenceImage.Role])] = [
        ("local", "procedural-v1", [:], both),
        ("openai", "procedural-v1", [:], both),  // the campaign default model means gpt-image-1
        ("openai", "gpt-image-1-mini", ["input_fidelity": "low"], product),
        ("replicate", "black-forest-labs/flux-kontext-pro", ["image_input": "input_image"], product),
        ("replicate", "google/nano-banana", ["image_input": "image_input[]"], both),
        ("fal", "fal-ai/flux-pro/kontext", [:], product),
        ("fal", "fal-ai/nano-banana/edit", [:], both),
        ("fal", "fal-ai/flux/dev", ["image_field": "image_url"], product),  // the user knows the endpoint
        ("comfyui", "default", [:], product),
        ("automatic1111", "default", ["denoising_strength": "0.4"], product),
        ("http", "m", ["body": #"{"image": "{{reference_image_data_url}}"}"#], product),
        ("openai", "dall-e-3", [:], []),  // no references: nothing to check
    ]

    @Test(arguments: supported)
    func aConfigurationThatTakesReferencesHasNoProblem(
        _ provider: String, _ model: String, _ parameters: [String: String], _ roles: [ReferenceImage.Role]
    ) {
        #expect(
            ProviderFactory.referenceProblem(provider: provider, model: model, parameters: parameters, roles: roles)
                == nil)
    }

    /// Configurations that cannot, and a word the message must contain to say how to fix it.
    static let unsupported: [(String, String, [String: String], [ReferenceImage.Role], String)] = [
        ("openai", "dall-e-3", [:], product, "gpt-image-1"),
        ("openai", "gpt-image-2", ["input_fidelity": "high"], product, "input_fidelity"),
        ("openai", "dall-e-2", [:], both, "logo"),
        ("replicate", "procedural-v1", [:], product, "image_input"),
        ("replicate", "black-forest-labs/flux-kontext-pro", ["image_input": "input_image"], both, "image_input[]"),
        ("fal", "procedural-v1", [:], product, "fal-ai/flux/schnell"),
        ("fal", "fal-ai/flux-pro/kontext", ["image_field": "image_url"], both, "image_urls"),
        ("comfyui", "default", [:], both, "generation.parameters.workflow"),
        ("automatic1111", "default", [:], both, "logo"),
        ("automatic1111", "default", ["denoising_strength": "strong"], product, "0 to 1"),
        ("http", "m", [:], product, "{{reference_image_base64}}"),
        ("http", "m", ["body": #"{"image": "{{reference_image_base64}}"}"#], both, "{{logo_image_data_url}}"),
    ]

    @Test(arguments: unsupported)
    func aConfigurationThatCannotSaysHowToFixIt(
        _ provider: String, _ model: String, _ parameters: [String: String], _ roles: [ReferenceImage.Role],
        _ fix: String
    ) throws {
        let problem = try #require(
            ProviderFactory.referenceProblem(provider: provider, model: model, parameters: parameters, roles: roles))
        #expect(problem.contains(fix), "\(problem)")
    }

    @Test func anUnknownProviderOrAnUnreadableWorkflowIsLeftToTheFactory() {
        #expect(ProviderFactory.referenceProblem(provider: "dream-machine", model: "x", parameters: [:]) == nil)
        #expect(
            ProviderFactory.referenceProblem(
                provider: "comfyui", model: "default", parameters: ["workflow": "/nonexistent/flow.json"]) == nil)
    }
}
