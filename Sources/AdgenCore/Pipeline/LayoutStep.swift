import AdgenImaging
import Foundation
import Synchronization

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
    /// How the step works.
    public let configuration: Configuration
    /// Text set for earlier creatives; nil when the configuration keeps none.
    let cache: Cache?

    /// The font used when neither the template nor the brand names one.
    public static let defaultFont = "DejaVu Sans Bold"

    /// Settings of the layout step.
    public struct Configuration: Sendable {
        /// The most bytes of fitted text (masks and their shadows) kept to be drawn again: a render sets the same
        /// few headlines, offers and labels in the same few boxes over and over, and each is fitted once. 0 fits
        /// every text afresh.
        public var textCacheBytes: Int = 16 << 20

        /// Creates a configuration.
        public init(textCacheBytes: Int = 16 << 20) {
            self.textCacheBytes = textCacheBytes
        }
    }

    /// Creates the step; `logo` is the brand's logo image, if it has one.
    public init(template: LayoutTemplate, logo: Image? = nil, configuration: Configuration = .init()) {
        self.template = template
        self.logo = logo
        self.configuration = configuration
        cache = configuration.textCacheBytes > 0 ? Cache(budget: configuration.textCacheBytes) : nil
    }

    /// Creates the step for `campaign`, decoding the brand's logo file (a setup `PipelineError` when it can no
    /// longer be read: it was checked when the campaign was loaded).
    public init(template: LayoutTemplate, campaign: Campaign, configuration: Configuration = .init())
        throws(PipelineError)
    {
        var logo: Image?
        if let path = campaign.brand.logo {
            do {
                logo = try Image.load(path: path)
            } catch {
                throw PipelineError.unreadableLogo(path, error.message)
            }
        }
        self.init(template: template, logo: logo, configuration: configuration)
    }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let copy = Copy(variant: draft.variant, campaign: campaign)
        var canvas = LayoutCanvas(
            width: draft.image.width, height: draft.image.height, safeZone: draft.size.safeZone,
            font: template.font ?? campaign.brand.font ?? Self.defaultFont,
            palette: LayoutCanvas.Palette(brandColors: campaign.brand.colors), logo: logo, cache: cache)
        let arrangement = template.arrangement(width: draft.image.width, height: draft.image.height)
        draft.image = try draft.image.drawing { drawing in
            try canvas.draw(arrangement, copy: copy, on: &drawing)
        }
        draft.boxes += canvas.boxes
        for event in canvas.events where !draft.events.contains(event) { draft.events.append(event) }
    }

    /// Fitted text kept between creatives, up to a budget in bytes; when it is full it is emptied and fills again.
    final class Cache: Sendable {
        let budget: Int
        private let state = Mutex(State())

        private struct State {
            var settings: [TextFit: TextFit.Setting] = [:]
            var bytes = 0
        }

        init(budget: Int) { self.budget = budget }

        /// The setting of `fit`: kept from before, or set now and kept.
        func text(_ fit: TextFit) throws -> TextFit.Setting {
            if let kept = state.withLock({ $0.settings[fit] }) { return kept }
            let setting = try fit.set()
            let bytes = setting.bytes
            state.withLock { state in
                guard bytes <= budget else { return }
                if state.bytes + bytes > budget {
                    state.settings.removeAll()
                    state.bytes = 0
                }
                if state.settings.updateValue(setting, forKey: fit) == nil { state.bytes += bytes }
            }
            return setting
        }
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
