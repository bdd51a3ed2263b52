import AdgenCore
import AdgenImaging
import AdgenTesting
import Foundation
import Testing

/// An example campaign run end to end by `adgen run` as a process: CPU-heavy (40 creatives), so `scripts/test.sh`
/// runs it on its own, where it cannot starve the timed tests.
@Suite(.serialized) struct ExampleBatchTests {
    @Test(
        "The example starter batch shows its product: in every creative of every size the product's own pixels are in the manifest's subject box, and no copy covers it"
    )
    func theExampleBatchShowsItsProduct() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let run = try await AdgenProcess.run(
            [
                "run", Repository.path("campaigns/kettle-crema-starter.yaml"), "--store", "s/adgen.sqlite", "--out",
                "delivery", "--json",
            ], in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let id = try #require(try BatchCommandTests.batchJSON(run.standardOutput)["id"] as? String)
        let export = "\(folder.path)/delivery/kettle-crema-starter/\(id)"
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(export)/manifest.json")))
                as? [String: Any])
        let creatives = try #require(manifest["creatives"] as? [[String: Any]])
        #expect(creatives.count >= 30)
        let product = try ProductCutout(
            image: try Image.load(path: Repository.path("campaigns/assets/products/kettle-crema-beans.png")))
        var sizes = Set<String>()
        for creative in creatives {
            let file = try #require(creative["file"] as? String)
            sizes.insert(try #require(creative["size_id"] as? String))
            let boxes = try #require(creative["boxes"] as? [String: [Int]], "\(file) records its boxes")
            let subject = try #require(boxes["subject"], "\(file) records the product's box")
            let box = PixelBox(x: subject[0], y: subject[1], width: subject[2], height: subject[3])
            for (role, copy) in boxes where role != "subject" {
                let other = PixelBox(x: copy[0], y: copy[1], width: copy[2], height: copy[3])
                #expect(other.intersection(box) == nil, "\(file): the \(role) is on the product")
            }
            let checks = try #require(creative["scores"] as? [[String: Any]])
            let clear = try #require(checks.first { $0["name"] as? String == "subject_clear" })
            #expect(clear["passed"] as? Bool == true, "\(file): \(clear["reason"] ?? "")")
            // The product's own pixels, resized to the box, are what the file holds there.
            let image = try Image.load(path: "\(export)/\(file)")
            let difference = try CutoutDifference.mean(of: product.image, in: image, at: box)
            #expect(
                difference.map { $0 < 0.05 } == true, "\(file): \(difference.map { "\($0)" } ?? "no opaque pixels")")
        }
        #expect(sizes == ["meta-feed", "meta-story", "iab-mrec", "iab-billboard"])
    }

}
