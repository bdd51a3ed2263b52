import AdgenImaging
import Foundation

/// `layout {template}`: sets the headline, offer, call to action, logo and brand on the image as a layout
/// template arranges them for the size's shape, inside its safe zone. Text is fitted to its box: it shrinks
/// down to a floor size, then is cut with an ellipsis, and the creative is tagged `text-shrunk` or
/// `text-truncated`.
///
/// The copy comes from the variant's axes, else the brief: `headline`, `offer` (or `subheadline`), `cta`.
public struct LayoutStep: PipelineStep {
    public let name = "layout"
    /// The template.
    public var template: LayoutTemplate
    /// The brand's logo, decoded once.
    let logo: Image?

    /// The font used when neither the template nor the brand names one.
    public static let defaultFont = "DejaVu Sans Bold"

    /// Creates the step; `logo` is the brand's logo image, if it has one.
    public init(template: LayoutTemplate, logo: Image? = nil) {
        self.template = template
        self.logo = logo
    }

    /// Creates the step for `campaign`, decoding the brand's logo file.
    public init(template: LayoutTemplate, campaign: Campaign) throws {
        var logo: Image?
        if let path = campaign.brand.logo {
            do {
                logo = try Image.load(path: path)
            } catch {
                throw PipelineError("cannot use the logo \(path): \(error.message)")
            }
        }
        self.init(template: template, logo: logo)
    }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let copy = Copy(variant: draft.variant, campaign: campaign)
        var canvas = LayoutCanvas(
            image: draft.image, safeZone: draft.size.safeZone,
            font: template.font ?? campaign.brand.font ?? Self.defaultFont,
            palette: LayoutCanvas.Palette(brandColors: campaign.brand.colors), logo: logo)
        let arrangement = template.arrangement(width: draft.image.width, height: draft.image.height)
        try canvas.draw(arrangement, copy: copy)
        draft.image = try canvas.image.materialized()
        draft.boxes += canvas.boxes
        for event in canvas.events where !draft.events.contains(event) { draft.events.append(event) }
    }

    /// The words a layout sets, for one variant.
    struct Copy {
        var headline: String?
        var offer: String?
        var cta: String?
        var brand: String?

        init(variant: Variant, campaign: Campaign) {
            var brief = [String: String]()
            for field in campaign.brief where brief[field.key] == nil { brief[field.key] = field.value }
            func text(_ keys: String...) -> String? {
                for key in keys {
                    if let value = variant[axis: key] ?? brief[key], !value.isEmpty { return value }
                }
                return nil
            }
            headline = text("headline")
            offer = text("offer", "subheadline")
            cta = text("cta")
            brand = campaign.brand.name.isEmpty ? nil : campaign.brand.name
        }

        func text(for kind: LayoutTemplate.Kind) -> String? {
            switch kind {
            case .headline: headline
            case .offer: offer
            case .cta: cta
            case .brand, .logo: brand
            case .bar, .scrim, .shade: nil
            }
        }
    }
}
