import AdgenServer
import AdgenTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Campaign uploads: multipart with the files a campaign names, and what must be refused before anything is stored
/// — paths that leave the upload, bodies over the limits, broken encodings, YAML bombs.
@Suite("Campaign uploads")
struct ServerUploadTests {
    typealias H = ServerHarness

    static let logo =
        ##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#C8553D"/></svg>"##

    /// A multipart body of `parts` (name, filename, bytes).
    static func multipart(_ parts: [(name: String, filename: String?, body: String)]) -> (String, ByteBuffer) {
        let boundary = "adgen-test-boundary"
        var text = ""
        for part in parts {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { text += "; filename=\"\(filename)\"" }
            text += "\r\nContent-Type: application/octet-stream\r\n\r\n\(part.body)\r\n"
        }
        text += "--\(boundary)--\r\n"
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(string: text))
    }

    static func campaign(logo: String) -> String {
        H.campaign.replacingOccurrences(
            of: ##"brand: { name: Kettle & Crema, colors: ["#3B2417", "#E8DCC8", "#C8553D"] }"##,
            with: ##"brand: { name: Kettle & Crema, colors: ["#3B2417", "#E8DCC8", "#C8553D"], logo: \##(logo) }"##)
    }

    @Test("A multipart upload with the campaign's logo runs, and the batch keeps its own snapshot of the file")
    func multipartWithFiles() async throws {
        try await H.live { client, folder in
            let (type, body) = Self.multipart([
                ("campaign", "campaign.yaml", Self.campaign(logo: "art/logo.svg")),
                ("file", "art/logo.svg", Self.logo),
            ])
            let created = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.auth(H.alice, [.contentType: type]), body: body)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let finished = try await client.waitFinished(id)
            #expect(finished["status"] as? String == "completed")
            // The upload folder is gone once loaded; the snapshot lives with the batch.
            let uploads = try FileManager.default.subpathsOfDirectory(atPath: "\(folder.path)/data/tenants")
                .filter { $0.contains("uploads/") }
            #expect(uploads.isEmpty)
        }
    }

    @Test("References that leave the upload are 422 at their position: absolute, `..`, a symlink, a part name")
    func pathEscapes() async throws {
        try await H.live { client, folder in
            try folder.write("secret/logo.svg", Self.logo)
            for logo in ["/etc/passwd", "../../secret/logo.svg", "\(folder.path)/secret/logo.svg"] {
                let response = try await client.execute(
                    uri: "/v1/batches", method: .post, headers: H.yaml(H.alice),
                    body: ByteBuffer(string: Self.campaign(logo: logo)))
                #expect(response.status == .unprocessableContent, "\(logo): \(response.text)")
                let diagnostics = (response.json["error"] as? [String: Any])?["diagnostics"] as? [[String: Any]]
                #expect(diagnostics?.first?["line"] as? Int == 2, "\(logo)")
                #expect(
                    (diagnostics?.first?["message"] as? String)?.contains("outside the files sent") == true, "\(logo)")
            }
            let layout = H.campaign.replacingOccurrences(of: "layout: standard", with: "layout: ../../../x.yaml")
            let escaped = try await client.execute(
                uri: "/v1/validate", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: layout))
            #expect(escaped.status == .unprocessableContent)
            // An export folder written for the CLI (`../out`) is taken inside the tenant's export area.
            let export = H.campaign + "\nexport:\n  - folder: ../../elsewhere/out\n"
            let exported = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: export))
            #expect(exported.status == .created)
            let id = try #require(exported.json["id"] as? String)
            #expect(try await client.waitFinished(id)["status"] as? String == "completed")
            let tenants = try FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/data/tenants")
            #expect(tenants.count == 1)
            #expect(
                FileManager.default.fileExists(
                    atPath:
                        "\(folder.path)/data/tenants/\(tenants[0])/exports/elsewhere/out/serve-demo/\(id)/manifest.json"
                ), "a batch shows completed once its exports are written")
            #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/elsewhere"))
            for name in ["../escape.svg", "/abs.svg", "a/../../b.svg"] {
                let (type, body) = Self.multipart([
                    ("campaign", "c.yaml", Self.campaign(logo: "art/logo.svg")), ("file", name, Self.logo),
                ])
                let response = try await client.execute(
                    uri: "/v1/batches", method: .post, headers: H.auth(H.alice, [.contentType: type]), body: body)
                #expect(response.status == .unprocessableContent, "\(name)")
            }
            #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/escape.svg"))
            let listed = try await client.execute(uri: "/v1/batches", method: .get, headers: H.auth(H.alice)).json
            #expect((listed["data"] as? [Any])?.count == 1, "only the batch with the export folder was stored")
        }
    }

    @Test("Bodies over the limit are 413; an unknown type 415; invalid UTF-8 and a YAML alias bomb 422; no 5xx")
    func hostileBodies() async throws {
        try await H.live { client, _ in
            let big = ByteBuffer(repeating: UInt8(ascii: "#"), count: 2 << 20)
            let tooBig = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: big)
            #expect(tooBig.status == .contentTooLarge)
            #expect((tooBig.json["error"] as? [String: Any])?["code"] as? String == "payload_too_large")
            let hugeMultipart = Self.multipart([("campaign", "c.yaml", String(repeating: "#", count: 11 << 20))])
            let overMultipart = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.auth(H.alice, [.contentType: hugeMultipart.0]),
                body: hugeMultipart.1)
            #expect(overMultipart.status == .contentTooLarge)
            let text = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.auth(H.alice, [.contentType: "text/plain"]),
                body: ByteBuffer(string: H.campaign))
            #expect(text.status == .unsupportedMediaType)
            var invalid = ByteBuffer(string: "campaign: x\nprompt: \"")
            invalid.writeBytes([0xC3, 0x28, 0xFF])
            invalid.writeString("\"\nsizes: [iab-mrec]\n")
            let utf8 = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: invalid)
            #expect(utf8.status == .unprocessableContent, "\(utf8.text)")
            let bomb = """
                a: &a ["x","x","x","x","x","x","x","x","x"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                campaign: [*g]
                """
            let bombed = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: bomb))
            #expect(bombed.status == .unprocessableContent)
            let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
            let nested = try await client.execute(
                uri: "/v1/validate", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: deep))
            #expect(nested.status.code >= 400 && nested.status.code < 500)
            // The server still answers.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("A key with its most batches queued or running gets 429 for the next")
    func activeBatchLimit() async throws {
        try await H.live(configure: {
            $0.limits.activeBatchesPerKey = 1; $0.workers = 0
        }) { client, _ in
            let first = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: H.campaign))
            #expect(first.status == .created)
            let second = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: H.campaign))
            #expect(second.status == .tooManyRequests)
            #expect(second.headers[.retryAfter] != nil)
            let cancelled = try await client.execute(
                uri: "/v1/batches/\(first.json["id"] as? String ?? "")/cancel", method: .post, headers: H.auth(H.alice))
            #expect(cancelled.json["status"] as? String == "cancelled")
            let third = try await client.execute(
                uri: "/v1/batches", method: .post, headers: H.yaml(H.alice), body: ByteBuffer(string: H.campaign))
            #expect(third.status == .created)
        }
    }
}
