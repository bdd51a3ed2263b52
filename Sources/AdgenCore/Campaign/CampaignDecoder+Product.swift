import AdgenImaging
import Foundation
import Yams

extension CampaignDecoder {
    /// `product: { image, mode, name, reference_logo, remove_background }`: the image is read, decoded and checked
    /// here, so a missing, unreadable, oversized or opaque product image is an error at its line before anything
    /// is stored or paid for.
    mutating func decodeProduct(
        _ node: Node, generation: GenerationSettings, pipeline: [PipelineStepSpec], brand: Brand
    ) -> Product? {
        let allowed = ["image", "mode", "name", "reference_logo", "remove_background"]
        guard let pairs = mapping(node, "product", allowed: allowed) else { return nil }
        var values = [String: Node]()
        for (key, _, value) in pairs { values[key] = value }
        var mode = Product.Mode.composite
        if let modeNode = values["mode"], let text = string(modeNode, "product.mode") {
            if let parsed = Product.Mode(rawValue: text) {
                mode = parsed
            } else {
                let names = Product.Mode.allCases.map(\.rawValue)
                error(
                    modeNode, "unknown product mode '\(text)'",
                    hint: Suggestion.closest(to: text, in: names).map { "did you mean '\($0)'?" }
                        ?? "use composite (adgen sets the real cutout into each creative) or reference (the model draws it from the image)"
                )
            }
        }
        let name = values["name"].flatMap { string($0, "product.name") }
        let referenceLogo = values["reference_logo"].flatMap { bool($0, "product.reference_logo") } ?? false
        if referenceLogo, mode != .reference, let logoNode = values["reference_logo"] {
            error(logoNode, "reference_logo applies to mode: reference only", hint: "add `mode: reference`, or drop it")
        }
        if referenceLogo, brand.logo == nil, let logoNode = values["reference_logo"] {
            error(logoNode, "reference_logo sends the brand's logo, and the brand has none", hint: "add `brand.logo`")
        }
        var remover: PipelineStepSpec?
        if let removerNode = values["remove_background"] {
            var options = [String: Node]()
            if removerNode.scalar != nil, !Self.isNull(removerNode) {
                options["provider"] = removerNode
            } else if let pairs = mapping(removerNode, "product.remove_background", allowed: ["provider", "model"]) {
                for (key, _, value) in pairs { options[key] = value }
            }
            remover = removeBackground(options, step: removerNode, generation: generation)
        } else {
            remover = pipeline.first { if case .removeBackground = $0 { true } else { false } }
        }
        if mode == .reference,
            let problem = ProviderFactory.referenceProblem(
                provider: generation.provider, model: generation.model, parameters: generation.parameters,
                roles: referenceLogo ? [.product, .logo] : [.product], directory: directory)
        {
            error(
                values["mode"] ?? node,
                "mode: reference cannot run on \(generation.provider) (\(generation.model)): \(problem)",
                hint: "use `mode: composite`, or a provider and model that take input images (docs/providers.md)")
        }

        guard let imageNode = values["image"] else {
            error(node, "product needs an 'image'", hint: "e.g. `product: { image: assets/ridge-3.png }`, a PNG cutout")
            return nil
        }
        guard let path = string(imageNode, "product.image"),
            let resolved = resolve(path, at: imageNode, what: "the product image")
        else { return nil }
        guard FileManager.default.fileExists(atPath: resolved) else {
            error(
                imageNode, "product image not found: \(path)", hint: "paths are relative to the campaign file's folder")
            return nil
        }
        let bytes: [UInt8]
        let image: Image
        do {
            bytes = try CampaignLoader.read(resolved, maxBytes: 50 << 20, location: source.location(of: imageNode))
            image = try Image.decode(bytes, limits: .init(maxPixels: Product.maxPixels))
        } catch let error as CampaignError {
            diagnostics += error.diagnostics
            return nil
        } catch let error as ImagingError {
            if error.isTooLarge {
                let size = error.message.split(separator: ";").first.map(String.init) ?? error.message
                self.error(
                    imageNode, "the product image \(path) is too large: \(size)",
                    hint: "scale it down: \(Product.maxPixels / 1_000_000) megapixels is plenty for any ad size")
            } else {
                self.error(
                    imageNode, "the product image \(path) cannot be used: \(error.message)",
                    hint: "use a PNG (or WebP) cutout with a transparent background")
            }
            return nil
        } catch {
            self.error(imageNode, "the product image \(path) cannot be read: \(error)")
            return nil
        }
        guard let format = ImageFormat.detect(bytes) else {
            error(
                imageNode, "the product image \(path) is not a PNG, JPEG, WebP or AVIF file", hint: "use a PNG cutout")
            return nil
        }
        let alpha = try? image.transparency()
        let transparency = alpha?.share ?? 0
        if transparency < Product.minimumTransparency, remover == nil, mode == .composite {
            error(
                imageNode,
                image.hasAlpha
                    ? "the product image \(path) has an alpha channel but no transparent pixels: it is not a cutout"
                    : "the product image \(path) has no transparency: composite mode needs a cutout of the product",
                hint:
                    "export the product on a transparent background (PNG with alpha), or add `remove_background: { provider: replicate }` to `product:` to cut it out"
            )
        }
        if transparency >= Product.minimumTransparency, let alpha, alpha.visible == nil {
            error(imageNode, "the product image \(path) is transparent everywhere", hint: "is this the right file?")
        }
        return Product(
            image: resolved, mode: mode, name: name, referenceLogo: referenceLogo,
            remover: transparency < Product.minimumTransparency ? remover : nil, sha256: Product.digest(bytes),
            mediaType: format.mediaType)
    }
}
