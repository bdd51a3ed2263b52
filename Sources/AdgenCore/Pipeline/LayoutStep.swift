import AdgenImaging
import Foundation
import Synchronization

/// `layout {template}`: sets the headline, offer, call to action, logo and brand on the image as a layout
/// template arranges them for the size's shape, inside its safe zone. Text is fitted to its box: it shrinks
/// down to a floor size, then is cut with an ellipsis, and the creative is tagged `text-shrunk` or
/// `text-truncated`.
///
/// With a product in `composite` mode, the step sets the product's cutout into the template's product box first;
/// in `reference` mode it finds the product the model drew by attention analysis. Either way, the copy is placed
/// so that none of it covers the product (`LayoutCanvas.layout`), and a creative where that cannot be done is
/// tagged `subject-covered`.
///
/// The copy comes from the variant's axes, else the brief: `headline`, `offer` (or `subheadline`), `cta`.
public struct LayoutStep: PipelineStep {
    public let name = "layout"
    /// The template.
    public var template: LayoutTemplate
    /// The brand's logo, decoded once.
    let logo: Image?
    /// The product cutout (composite mode), decoded and trimmed once.
    let product: ProductCutout?
    /// Whether the picture's subject is found by attention analysis (reference mode).
    let findsSubject: Bool
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

    /// Creates the step; `logo` is the brand's logo image, if it has one; `product` the product cutout to set
    /// into every creative; `findsSubject` looks for the picture's subject when there is none.
    public init(
        template: LayoutTemplate, logo: Image? = nil, product: ProductCutout? = nil, findsSubject: Bool = false,
        configuration: Configuration = .init()
    ) {
        self.template = template
        self.logo = logo
        self.product = product
        self.findsSubject = findsSubject
        self.configuration = configuration
        cache = configuration.textCacheBytes > 0 ? Cache(budget: configuration.textCacheBytes) : nil
    }

    /// Creates the step for `campaign`, decoding the brand's logo file and its product image (a setup
    /// `PipelineError` when either can no longer be read: they were checked when the campaign was loaded).
    public init(
        template: LayoutTemplate, campaign: Campaign, product: ProductCutout? = nil,
        configuration: Configuration = .init()
    ) throws(PipelineError) {
        var logo: Image?
        if let path = campaign.brand.logo {
            do {
                logo = try Image.load(path: path)
            } catch {
                throw PipelineError.unreadableLogo(path, error.message)
            }
        }
        self.init(
            template: template, logo: logo, product: product, findsSubject: campaign.product?.mode == .reference,
            configuration: configuration)
    }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let copy = Copy(variant: draft.variant, campaign: campaign)
        let canvas = LayoutCanvas(
            width: draft.image.width, height: draft.image.height, safeZone: draft.size.safeZone,
            font: template.font ?? campaign.brand.font ?? Self.defaultFont,
            palette: LayoutCanvas.Palette(brandColors: campaign.brand.colors), logo: logo, product: product,
            cache: cache)
        let detected = product == nil && findsSubject ? try SubjectFinder.box(in: draft.image) : nil
        let (width, height) = (draft.image.width, draft.image.height)
        // Other crops of the picture, each made (and its subject found) only when the layout tries it.
        let reframings =
            draft.framing.map { framing in
                framing.alternatives.map { window in
                    {
                        let picture = try framing.source.filled(width: width, height: height, window: window)
                            .materialized()
                        return (picture: picture, subject: try SubjectFinder.box(in: picture))
                    }
                }
            } ?? []
        let plan = try canvas.layout(
            template.candidates(width: width, height: height), copy: copy, detected: detected,
            reframings: reframings)
        let picture = plan.picture ?? draft.image
        var set: SetProduct?
        draft.image = try picture.drawing { drawing in
            set = try canvas.render(plan, picture: picture, on: &drawing)
        }
        draft.boxes += plan.boxes
        if let subject = plan.subject { draft.subject = CreativeSubject(box: subject, product: set) }
        for event in plan.events where !draft.events.contains(event) { draft.events.append(event) }
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
            case .bar, .scrim, .shade, .product: nil
            }
        }
    }
}
