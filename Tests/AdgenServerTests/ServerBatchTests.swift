import AdgenServer
import AdgenTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A batch through the API as a client sees it: submitted, run by the server's workers, listed, streamed, fetched,
/// and invisible to another key.
@Suite("Batches over HTTP")
struct ServerBatchTests {
    typealias H = ServerHarness

    @Test("Submit, run to completion, list and fetch creatives, images with ETag and ranges, manifest and pack")
    func batchEndToEnd() async throws {
        try await H.live { client, _ in
            let created = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: H.campaign))
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["object"] as? String == "batch")
            #expect((created.json["request_counts"] as? [String: Any])?["total"] as? Int == 4)
            let finished = try await client.waitFinished(id)
            #expect(finished["status"] as? String == "completed")
            #expect((finished["request_counts"] as? [String: Any])?["completed"] as? Int == 4)

            let listed = try await client.execute(uri: "/v1/batches", method: .get, headers: H.auth(H.alice)).json
            #expect((listed["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

            let creatives = try await client.execute(
                uri: "/v1/batches/\(id)/creatives?limit=3", method: .get, headers: H.auth(H.alice)
            ).json
            let page = try #require(creatives["data"] as? [[String: Any]])
            #expect(page.count == 3)
            let cursor = try #require(creatives["next_cursor"] as? String)
            let rest = try await client.execute(
                uri: "/v1/batches/\(id)/creatives?cursor=\(cursor)", method: .get, headers: H.auth(H.alice)
            ).json
            #expect((rest["data"] as? [[String: Any]])?.count == 1)
            #expect(rest["next_cursor"] == nil)

            let bySize =
                try await client.execute(
                    uri: "/v1/batches/\(id)/creatives?size=iab-mrec", method: .get, headers: H.auth(H.alice)
                ).json["data"] as? [[String: Any]]
            #expect(bySize?.count == 2 && bySize?.allSatisfy { $0["size"] as? String == "iab-mrec" } == true)
            let byAxis =
                try await client.execute(
                    uri: "/v1/batches/\(id)/creatives?axis.headline=Fresh%20roast.", method: .get,
                    headers: H.auth(H.alice)
                ).json["data"] as? [[String: Any]]
            #expect(byAxis?.count == 2)
            #expect(
                byAxis?.allSatisfy { ($0["axes"] as? [String: String])?["headline"] == "Fresh roast." } == true)
            let none =
                try await client.execute(
                    uri: "/v1/batches/\(id)/creatives?min_score=1", method: .get, headers: H.auth(H.alice)
                ).json["data"] as? [[String: Any]]
            #expect(none?.isEmpty == true)

            let first = try #require(page.first)
            let creativeID = try #require(first["id"] as? String)
            let creative = try await client.execute(
                uri: "/v1/creatives/\(creativeID)", method: .get, headers: H.auth(H.alice)
            ).json
            #expect(creative["batch_id"] as? String == id)
            #expect((creative["score"] as? Double).map { $0 > 0 } == true)
            #expect(creative["cost_usd"] as? Double == 0)
            let boxes = try #require(creative["boxes"] as? [String: [Int]], "the layout's boxes")
            #expect(boxes["headline"]?.count == 4 && boxes["subject"] == nil, "no product in this campaign: \(boxes)")
            let imageURL = try #require(creative["image_url"] as? String)

            let image = try await client.execute(uri: imageURL, method: .get, headers: H.auth(H.alice))
            #expect(image.status == .ok)
            #expect(image.headers[.contentType] == "image/png")
            #expect(Array(image.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            #expect(image.body.readableBytes == creative["bytes"] as? Int)
            let etag = try #require(image.headers[.eTag])
            #expect(etag == "\"\(creative["sha256"] as? String ?? "")\"")
            #expect(image.headers[.cacheControl]?.contains("max-age") == true)
            let again = try await client.execute(
                uri: imageURL, method: .get, headers: H.auth(H.alice, [.ifNoneMatch: etag]))
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let range = try await client.execute(
                uri: imageURL, method: .get, headers: H.auth(H.alice, [.range: "bytes=0-7"]))
            #expect(range.status == .partialContent)
            #expect(range.headers[.contentRange] == "bytes 0-7/\(image.body.readableBytes)")
            #expect(Array(range.body.readableBytesView) == Array(image.body.readableBytesView.prefix(8)))
            let outside = try await client.execute(
                uri: imageURL, method: .get, headers: H.auth(H.alice, [.range: "bytes=999999999-"]))
            #expect(outside.status == .rangeNotSatisfiable)
            #expect(outside.headers[.contentRange] == "bytes */\(image.body.readableBytes)")

            let manifest = try await client.execute(
                uri: "/v1/batches/\(id)/manifest.json", method: .get, headers: H.auth(H.alice))
            #expect(manifest.status == .ok)
            #expect((manifest.json["creatives"] as? [[String: Any]])?.count == 4)
            let pack = try await client.execute(
                uri: "/v1/batches/\(id)/packs/size-iab-mrec.zip", method: .get, headers: H.auth(H.alice))
            #expect(pack.status == .ok && pack.headers[.contentType] == "application/zip")
            #expect(Array(pack.body.readableBytesView.prefix(2)) == [0x50, 0x4B])
            let noPack = try await client.execute(
                uri: "/v1/batches/\(id)/packs/size-nothing.zip", method: .get, headers: H.auth(H.alice))
            #expect(noPack.status == .notFound)
        }
    }

    @Test("Another key sees 404 everywhere: the batch, its creatives, images, events, manifest, gallery, cancel")
    func tenantIsolation() async throws {
        try await H.live { client, _ in
            let id = try #require(try await client.submit()["id"] as? String)
            _ = try await client.waitFinished(id)
            let creative = try #require(
                (try await client.execute(uri: "/v1/batches/\(id)/creatives", method: .get, headers: H.auth(H.alice))
                    .json["data"] as? [[String: Any]])?.first?["id"] as? String)
            let paths: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/batches/\(id)"), (.get, "/v1/batches/\(id)/creatives"), (.get, "/v1/creatives/\(creative)"),
                (.get, "/v1/creatives/\(creative)/image"), (.get, "/v1/batches/\(id)/events"),
                (.get, "/v1/batches/\(id)/manifest.json"), (.get, "/v1/batches/\(id)/packs/size-iab-mrec.zip"),
                (.get, "/v1/batches/\(id)/deliveries"), (.post, "/v1/batches/\(id)/deliveries/retry"),
                (.post, "/v1/batches/\(id)/cancel"), (.get, "/batches/\(id)"),
            ]
            for (method, path) in paths {
                let response = try await client.execute(uri: path, method: method, headers: H.auth(H.bob))
                #expect(response.status == .notFound, "\(method) \(path) as another key: \(response.status)")
                #expect(!response.text.contains(id) || path.contains("nothing"), "\(path) names the batch")
            }
            let listed = try await client.execute(uri: "/v1/batches", method: .get, headers: H.auth(H.bob)).json
            #expect((listed["data"] as? [Any])?.isEmpty == true)
            // The view token of alice's batch opens that batch's page only.
            let gallery = try #require(
                try await client.execute(uri: "/v1/batches/\(id)", method: .get, headers: H.auth(H.alice)).json[
                    "gallery_url"] as? String)
            let page = try await client.execute(uri: gallery, method: .get)
            #expect(page.status == .ok && page.text.contains("serve-demo"))
            let token = String(gallery.split(separator: "view=").last ?? "")
            let elsewhere = try await client.execute(uri: "/v1/batches?view=\(token)", method: .get)
            #expect(elsewhere.status == .unauthorized)
        }
    }

    @Test("Idempotency-Key: the same body gives the same batch (200), another body 409; a dry run stores nothing")
    func idempotencyAndDryRun() async throws {
        try await H.live { client, _ in
            let headers = H.yaml(H.alice, [HTTPField.Name("Idempotency-Key")!: "order-42"])
            let first = try await client.execute(
                uri: "/v1/batches", method: .post, headers: headers, body: ByteBuffer(string: H.campaign))
            #expect(first.status == .created)
            let again = try await client.execute(
                uri: "/v1/batches", method: .post, headers: headers, body: ByteBuffer(string: H.campaign))
            #expect(again.status == .ok)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            let other = try await client.execute(
                uri: "/v1/batches", method: .post, headers: headers,
                body: ByteBuffer(string: H.campaign.replacingOccurrences(of: "serve-demo", with: "serve-other")))
            #expect(other.status == .conflict)
            // Bob's key of the same name is his own.
            let bobs = try await client.execute(
                uri: "/v1/batches", method: .post,
                headers: H.yaml(H.bob, [HTTPField.Name("Idempotency-Key")!: "order-42"]),
                body: ByteBuffer(string: H.campaign))
            #expect(bobs.status == .created && bobs.json["id"] as? String != first.json["id"] as? String)

            let dry = try await client.execute(
                uri: "/v1/batches?dry_run=true", method: .post, headers: H.yaml(H.alice),
                body: ByteBuffer(string: H.campaign))
            #expect(dry.status == .accepted)
            #expect(dry.json["dry_run"] as? Bool == true)
            #expect((dry.json["plan"] as? [String: Any])?["creatives"] as? Int == 4)
            let listed = try await client.execute(uri: "/v1/batches", method: .get, headers: H.auth(H.alice)).json
            #expect((listed["data"] as? [Any])?.count == 1)
        }
    }

    @Test("A campaign error is 422 with every diagnostic at its line and column, as `adgen validate` gives them")
    func invalidCampaign() async throws {
        let broken = """
            campaign: broken
            axes:
              headline: ["A", "B"]
            prompt: "shoes, {{tagline}}"
            sizes: [iab-mrec, not-a-size]
            """
        try await H.live { client, _ in
            for path in ["/v1/batches", "/v1/validate", "/v1/expand"] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: broken))
                #expect(response.status == .unprocessableContent, "\(path)")
                let error = try #require(response.json["error"] as? [String: Any])
                #expect(error["code"] as? String == "invalid_campaign")
                let diagnostics = try #require(error["diagnostics"] as? [[String: Any]])
                #expect(diagnostics.count >= 2)
                let lines = diagnostics.compactMap { $0["line"] as? Int }.sorted()
                #expect(lines.contains(4) && lines.contains(5))
                #expect(diagnostics.allSatisfy { ($0["file"] as? String) == "campaign.yaml" })
                #expect(!response.text.contains("/tmp"), "no server path in \(response.text)")
            }
            let listed = try await client.execute(uri: "/v1/batches", method: .get, headers: H.auth(H.alice)).json
            #expect((listed["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("Validate and expand: counts, and variants a page at a time")
    func validateAndExpand() async throws {
        try await H.live { client, _ in
            let valid = try await client.execute(
                uri: "/v1/validate", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: H.campaign))
            #expect(valid.status == .ok && valid.json["variants"] as? Int == 2)
            let page = try await client.execute(
                uri: "/v1/expand?limit=1", method: .post, headers: H.yaml(H.alice),
                body: ByteBuffer(string: H.campaign))
            #expect(page.json["total"] as? Int == 2)
            let variants = try #require(page.json["data"] as? [[String: Any]])
            #expect(variants.count == 1 && (variants[0]["prompt"] as? String)?.contains("Fresh roast.") == true)
            let cursor = try #require(page.json["next_cursor"] as? String)
            let next = try await client.execute(
                uri: "/v1/expand?limit=1&cursor=\(cursor)", method: .post, headers: H.yaml(H.alice),
                body: ByteBuffer(string: H.campaign))
            #expect(
                ((next.json["data"] as? [[String: Any]])?.first?["prompt"] as? String)?.contains("best cup") == true)
            #expect(next.json["next_cursor"] == nil)
            let json = try await client.execute(
                uri: "/v1/validate", method: .post,
                headers: H.auth(H.alice, [.contentType: "application/json"]),
                body: ByteBuffer(
                    string: #"{"campaign": "j", "prompt": "a shoe", "sizes": ["iab-mrec"]}"#))
            #expect(json.status == .ok && json.json["campaign"] as? String == "j")
        }
    }
}
