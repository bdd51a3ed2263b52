import Foundation

/// The bytes of a campaign's reference images (the product image, and the logo when it is sent), read once from
/// its files and checked against the digests its requests carry.
public struct ReferenceFiles: Sendable {
    let bytes: [String: [UInt8]]

    /// Reads the reference files of `campaign` (none unless its product is in `reference` mode). A file that is
    /// gone or changed since the campaign was loaded is a setup error: the stored requests name its old digest.
    public init(campaign: Campaign) throws(PipelineError) {
        var bytes = [String: [UInt8]]()
        for (digest, path) in campaign.referenceFiles() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PipelineError.unreadableReference(path, "it is gone or cannot be read")
            }
            let read = [UInt8](data)
            guard Product.digest(read) == digest else {
                throw PipelineError.unreadableReference(path, "it changed since the campaign was loaded")
            }
            bytes[digest] = read
        }
        self.bytes = bytes
    }

    /// `request` with the bytes of its reference images attached.
    public func attached(to request: GenerationRequest) throws(PipelineError) -> GenerationRequest {
        var request = request
        for index in request.references.indices where request.references[index].bytes.isEmpty {
            let reference = request.references[index]
            guard let bytes = bytes[reference.sha256] else {
                throw PipelineError.unreadableReference(
                    reference.name, "the campaign has no reference image with digest \(reference.sha256.prefix(12))")
            }
            request.references[index].bytes = bytes
        }
        return request
    }
}

/// A provider whose requests get the bytes of their reference images before they are sent: stored jobs name
/// their reference images by digest only.
public struct ReferencingProvider: ImageProvider {
    /// The provider the requests go to.
    public let base: any ImageProvider
    /// The bytes.
    public let files: ReferenceFiles

    /// Wraps `base`.
    public init(_ base: any ImageProvider, files: ReferenceFiles) {
        self.base = base
        self.files = files
    }

    public var id: String { base.id }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        try await base.generate(files.attached(to: request))
    }
}
