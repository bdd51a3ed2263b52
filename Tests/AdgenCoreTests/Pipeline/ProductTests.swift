import AdgenImaging
import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

/// The product in the creative: the real cutout set into every size, the copy kept off it, the scorer seeing both.
@Suite struct ProductTests {
    static let shoe = Repository.path("campaigns/assets/products/ridge-3.png")

    /// A campaign with the shoe as its product (`MODE`), the standard layout, and the given sizes.
    static func campaign(
        mode: String = "composite", sizes: String = "[meta-feed]", headline: String = "Grip the descent.",
        layout: String = ""
    ) -> String {
        """
        campaign: product
        brand: { name: Ridgeline Running, colors: ["#FF5A1F", "#1F2937", "#F5F1E8"] }
        product: { image: "\(shoe)", mode: \(mode), name: Ridge 3 }
        brief: { product: trail shoe, offer: 20% off launch week, cta: Shop now, headline: "\(headline)" }
        prompt: "photoreal shot of a rocky alpine ridgeline trail, warm morning light"
        sizes: \(sizes)
        pipeline:
          - layout\(layout)
          - encode: { format: jpeg, quality: 85 }
        """
    }

    /// Paints the first variant's scene as the batch would request it, runs the pipeline at `size`, and scores it.
    static func made(_ campaign: Campaign, size: AdSize) async throws -> (CreativeDraft, Scorecard) {
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let request = try ReferenceFiles(campaign: campaign).attached(
            to: campaign.request(for: variant, width: 1024, height: 1024))
        let painted = try Image.decode(LocalProvider().paint(request).bytes)
        var draft = CreativeDraft(variant: variant, size: size, image: painted)
        try await Pipeline(campaign: campaign).run(&draft, campaign: campaign)
        let encoded = try #require(draft.encoded)
        let scorer = Scorer()
        let card = try scorer.score(
            scorer.input(encoded: encoded.bytes, size: size, boxes: draft.boxes, subject: draft.subject))
        return (draft, card)
    }

    @Test(arguments: [
        "meta-feed", "meta-story", "iab-mrec", "iab-leaderboard", "iab-billboard", "iab-mobile-banner",
        "iab-skyscraper", "iab-half-page", "linkedin-landscape", "pinterest-standard",
    ])
    func compositeSetsTheRealShoeAndNoCopyCoversIt(_ sizeID: String) async throws {
        let size = try AdSize.resolve(sizeID).get()
        let campaign = try CampaignFixture.load(Self.campaign(sizes: "[\(sizeID)]"))
        let (draft, card) = try await Self.made(campaign, size: size)
        let subject = try #require(draft.subject)
        #expect(subject.product != nil, "composite mode: adgen placed the product")
        let frame = PixelBox(x: 0, y: 0, width: size.width, height: size.height)
        #expect(subject.box.intersection(frame) == subject.box, "\(subject.box) inside \(size.width)×\(size.height)")
        for role in ["headline", "cta", "logo", "brand"] {
            for box in draft.boxes where box.role == role {
                let pixels = PixelBox(x: box.x, y: box.y, width: box.width, height: box.height)
                #expect(pixels.intersection(subject.box) == nil, "\(role) \(pixels) on the product \(subject.box)")
            }
        }
        #expect(card[check: "subject_clear"]?.passed == true, "\(card[check: "subject_clear"]!.reason)")
        #expect(card[check: "subject_visible"]?.passed == true, "\(card[check: "subject_visible"]!.reason)")
        #expect(card[check: "product_fidelity"]?.passed == true, "\(card[check: "product_fidelity"]!.reason)")
        // The shoe's own pixels are in the final file where the box says, as the advertiser made them (less the
        // JPEG's loss, larger on a shoe 40 px tall).
        let final = try Image.decode(try #require(draft.encoded).bytes)
        let cutout = try ProductCutout(image: try Image.load(path: Self.shoe)).image
        let difference = try #require(try CutoutDifference.mean(of: cutout, in: final, at: subject.box))
        #expect(
            difference < (min(subject.box.width, subject.box.height) < 100 ? 0.07 : 0.03), "\(sizeID): \(difference)")
        #expect(
            draft.recordedBoxes["subject"] == [subject.box.x, subject.box.y, subject.box.width, subject.box.height])
        #expect(!draft.events.contains("subject-covered"))
    }

    @Test("Wide banners and towers set the product beside the copy, not under it")
    func bannersAndTowersSitSideBySide() async throws {
        for (sizeID, across) in [
            ("iab-leaderboard", true), ("iab-billboard", true), ("iab-mobile-banner", true), ("iab-half-page", false),
            ("iab-skyscraper", false),
        ] {
            let size = try AdSize.resolve(sizeID).get()
            let campaign = try CampaignFixture.load(Self.campaign(sizes: "[\(sizeID)]"))
            let (draft, _) = try await Self.made(campaign, size: size)
            let product = try #require(draft.subject?.box)
            let headline = try #require(draft.boxes.first { $0.role == "headline" })
            if across {
                #expect(
                    headline.x >= product.x + product.width || headline.x + headline.width <= product.x,
                    "\(sizeID): the headline beside the product")
            } else {
                #expect(headline.y + headline.height <= product.y, "\(sizeID): the headline above the product")
            }
        }
    }

    @Test("A tall product takes the template's tall box, a wide one the wide band: whichever shows it larger")
    func theProductTakesTheBoxThatShowsItLargest() async throws {
        let size = try AdSize.resolve("meta-feed").get()
        let shoe = try await Self.made(try CampaignFixture.load(Self.campaign()), size: size).0
        let bottle = Repository.path("campaigns/assets/products/lumen-daybreak.png")
        let tall = try await Self.made(
            try CampaignFixture.load(Self.campaign().replacingOccurrences(of: Self.shoe, with: bottle)), size: size
        ).0
        let (wide, upright) = (try #require(shoe.subject?.box), try #require(tall.subject?.box))
        #expect(wide.width > wide.height && upright.height > upright.width)
        // The panel's band is 34% of the safe area's height; its alternative, half of it, on the right.
        #expect(upright.x > size.width / 2, "the bottle stands in the lower right: \(upright)")
        #expect(Double(upright.height) > 0.4 * Double(size.height), "taller than the band allows: \(upright)")
        #expect(wide.x < size.width / 4, "the shoe spans the band: \(wide)")
        #expect(!tall.events.contains("subject-covered"))
    }

    @Test("A copy box on the product's slot gives way: the text moves beside the product and shrinks")
    func copyGivesWay() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        // The headline's box spans the whole safe area, product slot included.
        let layout = try folder.write(
            "overlap.yaml",
            """
            layout: overlap
            arrangements:
              - name: all
                elements:
                  - product: { box: [0.3, 0.3, 0.7, 0.7], align: right }
                  - headline: { box: [0, 0, 1, 1], lines: 4 }
            """)
        let campaign = try CampaignFixture.load(Self.campaign(layout: ": \(layout)"))
        let (draft, card) = try await Self.made(campaign, size: try AdSize.resolve("meta-feed").get())
        let product = try #require(draft.subject?.box)
        let headline = try #require(draft.boxes.first { $0.role == "headline" })
        #expect(
            PixelBox(x: headline.x, y: headline.y, width: headline.width, height: headline.height)
                .intersection(product) == nil)
        #expect(card[check: "subject_clear"]?.passed == true)
        #expect(!draft.events.contains("subject-covered"))
    }

    @Test(
        "A subject that fills the frame cannot be avoided: the creative is tagged subject-covered and fails the check")
    func aFrameFillingSubjectIsFlagged() async throws {
        let campaign = try CampaignFixture.load(Self.campaign(mode: "reference", sizes: "[meta-feed]"))
        let size = try AdSize.resolve("meta-feed").get()
        // The model's picture is the product, close up, to every edge.
        let closeUp = try Image.load(path: Self.shoe).flattened(on: RGBA(red: 90, green: 90, blue: 90))
            .resized(width: size.width, height: size.height)
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        var draft = CreativeDraft(variant: variant, size: size, image: closeUp)
        try await Pipeline(campaign: campaign).run(&draft, campaign: campaign)
        let subject = try #require(draft.subject, "found by attention analysis")
        #expect(subject.product == nil)
        #expect(Double(subject.box.area) > 0.5 * Double(size.width * size.height), "\(subject.box)")
        #expect(draft.events.contains("subject-covered"))
        let scorer = Scorer()
        let card = try scorer.score(
            scorer.input(
                encoded: try #require(draft.encoded).bytes, size: size, boxes: draft.boxes, subject: draft.subject))
        let clear = try #require(card[check: "subject_clear"])
        #expect(clear.passed == false)
        #expect(clear.reason.contains("under"), "\(clear.reason)")
    }

    @Test("The template's other allowed position is taken when the subject is where the copy would go")
    func anotherArrangementIsChosen() async throws {
        let campaign = try CampaignFixture.load(
            Self.campaign(mode: "reference", sizes: "[linkedin-landscape]"))
        let size = try AdSize.resolve("linkedin-landscape").get()
        // The product stands on the left, where the first landscape arrangement sets its copy.
        let shoe = try Image.load(path: Self.shoe).resized(scale: 0.45)
        let picture = try Image.solid(width: size.width, height: size.height, color: RGBA(red: 60, green: 64, blue: 72))
            .drawing { drawing in try drawing.draw(shoe, x: 40, y: 200) }
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        var draft = CreativeDraft(variant: variant, size: size, image: picture)
        try await Pipeline(campaign: campaign).run(&draft, campaign: campaign)
        let subject = try #require(draft.subject?.box)
        #expect(subject.x < size.width / 2, "the shoe was found on the left: \(subject)")
        let headline = try #require(draft.boxes.first { $0.role == "headline" })
        #expect(headline.x > size.width / 3, "the copy moved to the right: \(headline)")
        #expect(!draft.events.contains("subject-covered"))
    }

    @Test("When no arrangement clears the subject the model drew, the crop moves before the copy gives way")
    func theCropMoves() async throws {
        let campaign = try CampaignFixture.load(Self.campaign(mode: "reference", sizes: "[iab-mrec]"))
        let size = try AdSize.resolve("iab-mrec").get()
        // A wide picture, the product low in it: the attention crop centres it, under the mrec's button.
        let shoe = try Image.load(path: Self.shoe).resized(scale: 700.0 / 1200)
        let picture = try Image.solid(width: 2048, height: 1024, color: RGBA(red: 60, green: 64, blue: 72))
            .drawing { drawing in try drawing.draw(shoe, x: 820, y: 660) }
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        var draft = CreativeDraft(variant: variant, size: size, image: picture)
        try await CropStep().apply(to: &draft, campaign: campaign)
        let first = try #require(try SubjectFinder.box(in: draft.image))
        let cta = try #require(
            LayoutTemplate.builtIn(named: "standard")?.arrangement(width: size.width, height: size.height).elements
                .first { $0.kind == .cta })
        #expect(Double(first.x) < Double(size.width) * cta.box.width, "the crop first puts the shoe by the button")
        for step in try Pipeline(campaign: campaign).steps where step is LayoutStep {
            try await step.apply(to: &draft, campaign: campaign)
        }
        let subject = try #require(draft.subject?.box)
        #expect(subject.x > first.x, "the picture was framed with the shoe further right: \(first) → \(subject)")
        #expect(subject.x + subject.width < size.width, "and not cut by the frame")
        #expect(!draft.events.contains("subject-covered"))
        for box in draft.boxes where ["headline", "offer", "cta", "brand"].contains(box.role) {
            #expect(PixelBox(x: box.x, y: box.y, width: box.width, height: box.height).intersection(subject) == nil)
        }
    }

    @Test("product_fidelity fails when the product's pixels are not the cutout's")
    func fidelitySeesAChangedProduct() async throws {
        let size = try AdSize.resolve("meta-feed").get()
        let campaign = try CampaignFixture.load(Self.campaign())
        let (draft, card) = try await Self.made(campaign, size: size)
        #expect(card[check: "product_fidelity"]?.passed == true)
        let product = try #require(draft.subject?.product)
        // The same creative with the product recoloured.
        let final = try Image.decode(try #require(draft.encoded).bytes)
        let recoloured = try final.drawing { drawing in
            drawing.fill(
                RGBA(red: 30, green: 90, blue: 220, alpha: 150), x: product.box.x, y: product.box.y,
                width: product.box.width, height: product.box.height)
        }
        let scorer = Scorer()
        let changed = try scorer.score(
            scorer.input(
                encoded: try recoloured.encoded(EncodeOptions(format: .jpeg, quality: 85)), size: size,
                boxes: draft.boxes, subject: draft.subject))
        let check = try #require(changed[check: "product_fidelity"])
        #expect(check.passed == false, "\(check.reason)")
        #expect((check.value ?? 0) > 0.2, "a 59% wash of blue is far from the cutout: \(check.reason)")
        #expect(changed.total < card.total)
    }

    @Test("Reference mode sends the product image: the request names it, the local renderer paints it")
    func referenceModeRequestsCarryTheProduct() async throws {
        let campaign = try CampaignFixture.load(Self.campaign(mode: "reference"))
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let request = campaign.request(for: variant, width: 1024, height: 1024)
        let reference = try #require(request.references.first)
        #expect(reference.role == .product && reference.name == "ridge-3.png" && reference.mediaType == "image/png")
        #expect(reference.bytes.isEmpty, "a stored request names the image, without its bytes")
        #expect(request.prompt.contains("Ridge 3") && request.prompt.hasPrefix(variant.prompt))
        let attached = try ReferenceFiles(campaign: campaign).attached(to: request)
        #expect(attached.references[0].bytes == Array(try Data(contentsOf: URL(fileURLWithPath: Self.shoe))))
        // The stored request round-trips without the bytes, and another product image is another generation.
        let stored = try JSONDecoder().decode(GenerationRequest.self, from: JSONEncoder().encode(attached))
        #expect(stored.references == request.references)
        var other = request
        other.references[0].sha256 = String(repeating: "0", count: 64)
        #expect(other.cacheKey(provider: "local") != request.cacheKey(provider: "local"))
        // The painted scene shows the shoe (its ember orange) where the composite scene has none.
        let painted = try Image.decode(LocalProvider().paint(attached).bytes)
        let composite = try CampaignFixture.load(Self.campaign())
        let scene = try Image.decode(
            LocalProvider().paint(composite.request(for: variant, width: 1024, height: 1024)).bytes)
        #expect(try Self.share(ofEmberIn: painted) > 5 * max(0.001, try Self.share(ofEmberIn: scene)))
        #expect(composite.request(for: variant, width: 64, height: 64).prompt.hasSuffix(Product.sceneDirection))
    }

    /// The share of pixels near the shoe's ember orange.
    static func share(ofEmberIn image: Image) throws -> Double {
        let pixels = try image.pixelBytes()
        let bands = image.bands
        var count = 0
        for index in stride(from: 0, to: pixels.count, by: bands) {
            let (r, g, b) = (Int(pixels[index]), Int(pixels[index + 1]), Int(pixels[index + 2]))
            if r > 200, (60...140).contains(g), b < 80 { count += 1 }
        }
        return Double(count) / Double(image.width * image.height)
    }

    @Test("A reference file changed after loading is a setup error before anything is sent")
    func aChangedReferenceIsRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let copy = "\(folder.path)/shoe.png"
        try FileManager.default.copyItem(atPath: Self.shoe, toPath: copy)
        let file = try folder.write(
            "c.yaml", Self.campaign(mode: "reference").replacingOccurrences(of: Self.shoe, with: copy))
        let campaign = try CampaignLoader().load(path: file)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: copy))
        #expect(throws: PipelineError.self) { try ReferenceFiles(campaign: campaign) }
    }

    @Test("Every example campaign renders with its product in every creative, the copy off it")
    func examplesShowTheirProducts() async throws {
        for path in ExampleCampaignTests.files {
            let campaign = try CampaignLoader().load(path: path)
            #expect(campaign.product?.mode == .composite, "\(path) has a product")
            let output = try TemporaryDirectory()
            defer { output.remove() }
            var configuration = PreviewRenderer.Configuration(output: output.path, limit: 1)
            configuration.concurrency = 2
            let outputs = try await PreviewRenderer(configuration: configuration).render(campaign)
            #expect(outputs.count == campaign.sizes.count)
            for creative in outputs {
                let name = "\(campaign.name) \(creative.size.id)"
                let box = try #require(creative.boxes?["subject"], "\(name) records its subject")
                let card = try #require(creative.scorecard)
                #expect(
                    card[check: "subject_clear"]?.passed == true, "\(name): \(card[check: "subject_clear"]!.reason)")
                #expect(card[check: "product_fidelity"]?.passed == true, "\(name)")
                #expect(box[2] > 0 && box[3] > 0)
            }
        }
    }
}
