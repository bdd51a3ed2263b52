import AdgenCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// `GET /batches/{id}`: the batch's gallery, live — the exported `index.html`'s look and filters, its creatives read
/// from the API and added as the batch's event stream announces them. Rendered from `Templates/gallery.mustache`.
struct GalleryPage: Sendable {
    let server: ServerState
    let library: MustacheLibrary

    /// The page with the templates shipped with the server.
    static func load(server: ServerState) async throws -> GalleryPage {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw APIError(status: .internalServerError, code: "internal", message: "the page templates are missing")
        }
        return GalleryPage(server: server, library: try await MustacheLibrary(directory: folder))
    }

    struct Summary: Encodable {
        struct Size: Encodable {
            var id: String
            var width: Int
            var height: Int
        }
        struct AxisValues: Encodable {
            var name: String
            var values: [String]
        }
        var batch: String
        var view: String
        var sizes: [Size]
        var axes: [AxisValues]
    }

    func render(batchID: String) async throws -> Response {
        let scope = try RequestScope.required
        let batch = try await server.batch(try APIHandler.batchID(batchID), tenant: scope.tenant)
        let context = try await server.service.context(of: batch.id)
        let campaign = context.campaign
        let summary = Summary(
            batch: batch.id, view: server.views.token(tenant: scope.tenant, batch: batch.id, now: Date()),
            sizes: campaign.sizes.map { .init(id: $0.id, width: $0.width, height: $0.height) },
            axes: campaign.axes.map { .init(name: $0.name, values: $0.values) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let values: [String: Any] = [
            "campaign": campaign.name, "brand": campaign.brand.name, "batch": batch.id,
            "state": batch.state.rawValue.replacingOccurrences(of: "_", with: " "),
            "done": batch.creatives.total - batch.creatives.remaining, "total": batch.creatives.total,
            "style": GalleryLook.stylesheet,
            "data": Self.scriptSafe(String(decoding: try encoder.encode(summary), as: UTF8.self)),
        ]
        guard let html = library.render(values, withTemplate: "gallery") else {
            throw APIError(status: .internalServerError, code: "internal", message: "the gallery page did not render")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Referrer-Policy")!: "no-referrer",
            ],
            body: .init(byteBuffer: .init(string: html)))
    }

    /// JSON safe inside a `<script>` element.
    static func scriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026").replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }
}
