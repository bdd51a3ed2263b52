import AdgenImaging
import Foundation

/// `remove_background` through a Replicate model: the image goes in as a PNG `data:` URI in the input's `image`
/// field (the convention of Replicate's background-removal models), the output file is downloaded. Default model:
/// `bria/remove-background`.
public struct ReplicateBackgroundRemover: BackgroundRemover {
    /// The default model.
    public static let defaultModel = "bria/remove-background"

    public let id = "replicate"
    let replicate: ReplicateProvider

    /// Creates the remover on a configured Replicate adapter (its model is the remover's).
    public init(replicate: ReplicateProvider) { self.replicate = replicate }

    public func removeBackground(from image: Image) async throws -> Image {
        let png = try image.encoded(EncodeOptions(format: .png))
        let prediction = try await replicate.run(input: ["image": .string(RemoteImage.dataURI(png))])
        guard let location = ReplicateProvider.firstOutput(prediction.output) else {
            throw ProviderError.badResponse(
                provider: id, message: "the prediction succeeded without an output file", requestID: prediction.id)
        }
        let bytes = try await replicate.http.fetchImage(
            location, authorization: ("Authorization", "Bearer \(replicate.token)"),
            trustedOrigin: replicate.configuration.baseURL, requestID: prediction.id)
        return try RemoteImage.cutOut(bytes, like: image, provider: id, requestID: prediction.id)
    }
}

/// `remove_background` through a fal model: the image goes in as a PNG `data:` URI in `image_url`, the result's
/// `image.url` is downloaded. Default model: `fal-ai/bria/background/remove`.
public struct FalBackgroundRemover: BackgroundRemover {
    /// The default model.
    public static let defaultModel = "fal-ai/bria/background/remove"

    public let id = "fal"
    let fal: FalProvider

    /// Creates the remover on a configured fal adapter (its model is the remover's).
    public init(fal: FalProvider) { self.fal = fal }

    public func removeBackground(from image: Image) async throws -> Image {
        let png = try image.encoded(EncodeOptions(format: .png))
        let (requestID, result) = try await fal.run(input: ["image_url": .string(RemoteImage.dataURI(png))])
        guard let location = result["image"]?["url"]?.string ?? result["images"]?[0]?["url"]?.string else {
            throw ProviderError.badResponse(provider: id, message: "the result has no image.url", requestID: requestID)
        }
        let bytes = try await fal.http.fetchImage(location, requestID: requestID)
        return try RemoteImage.cutOut(bytes, like: image, provider: id, requestID: requestID)
    }
}

enum RemoteImage {
    static func dataURI(_ png: [UInt8]) -> String {
        "data:image/png;base64," + Data(png).base64EncodedString()
    }

    /// Decodes a cut-out and checks it is the size of `original`.
    static func cutOut(_ bytes: [UInt8], like original: Image, provider: String, requestID: String?) throws -> Image {
        try ImageCheck(size: .exact, minimumSide: 1).verify(
            bytes, width: original.width, height: original.height, provider: provider, requestID: requestID)
        return try Image.decode(bytes)
    }
}
