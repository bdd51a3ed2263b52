import AdgenCore
import AdgenImaging
import AdgenService
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The routes that answer bytes rather than JSON objects — images, the manifest, packs, event streams — written by
/// hand (ranges, ETags, streaming) and documented in docs/openapi.yaml with the tag `streams`.
struct StreamRoutes<Context: RequestContext>: Sendable {
    let server: ServerState

    /// The routes, as `RouteTable` lists them.
    func register(on router: Router<Context>) {
        router.get("/v1/creatives/:creative_id/image") { request, context in
            try await image(request, creative: try context.parameters.require("creative_id"))
        }
        router.get("/v1/batches/:batch_id/manifest.json") { _, context in
            try await manifest(batchID: try context.parameters.require("batch_id"))
        }
        router.get("/v1/batches/:batch_id/packs/:pack") { _, context in
            try await pack(
                batchID: try context.parameters.require("batch_id"), file: try context.parameters.require("pack"))
        }
        router.get("/v1/batches/:batch_id/events") { request, context in
            try await events(request, batchID: try context.parameters.require("batch_id"))
        }
    }

    var tenant: String {
        get throws(APIError) { try RequestScope.required.tenant }
    }

    // MARK: Images

    func image(_ request: Request, creative id: String) async throws -> Response {
        guard let handle = CreativeHandle(id) else { throw APIError.notFound("image") }
        let batch = try await server.batch(handle.batch, tenant: try tenant)
        guard let creative = try await server.service.creative(handle.creative, of: batch),
            creative.state == .succeeded, creative.dropped == nil, let file = creative.file
        else { throw APIError.notFound("image") }
        let path = "\(server.service.configuration.dataRoot.resolve(batch.outputDirectory))/\(file)"
        guard let data = FileManager.default.contents(atPath: path) else { throw APIError.notFound("image") }
        let etag = "\"\(creative.sha256 ?? "\(data.count)")\""
        var headers: HTTPFields = [
            .eTag: etag, .cacheControl: "private, max-age=31536000, immutable", .acceptRanges: "bytes",
            .contentType: Self.contentType(creative.format),
        ]
        if let match = request.headers[.ifNoneMatch],
            match == "*"
                || match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        if let range = request.headers[.range] {
            guard let (start, end) = Self.byteRange(range, size: data.count) else {
                headers[.contentRange] = "bytes */\(data.count)"
                let error = APIError(
                    status: .rangeNotSatisfiable, code: "bad_request",
                    message: "the range \(range) is not inside the \(data.count) bytes of the image")
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(
                    status: .rangeNotSatisfiable, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(bytes: error.json)))
            }
            headers[.contentRange] = "bytes \(start)-\(end)/\(data.count)"
            headers[.contentLength] = "\(end - start + 1)"
            return Response(
                status: .partialContent, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: data[start...end])))
        }
        headers[.contentLength] = "\(data.count)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func contentType(_ format: String?) -> String {
        (format == "jpg" ? .jpeg : format.flatMap(ImageFormat.init(rawValue:)))?.mediaType ?? "image/png"
    }

    /// The one range of `bytes=a-b`, `bytes=a-` or `bytes=-n` inside `size` bytes; nil when unsatisfiable or several.
    static func byteRange(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let count = Int(last), count > 0 else { return nil }
            return (max(0, size - count), size - 1)
        }
        guard let start = Int(first), start >= 0, start < size else { return nil }
        if last.isEmpty { return (start, size - 1) }
        guard let end = Int(last), end >= start else { return nil }
        return (start, min(end, size - 1))
    }

    // MARK: Manifest and packs

    func manifest(batchID: String) async throws -> Response {
        let directory = try await exportDirectory(batchID)
        return try Self.streamFile("\(directory)/manifest.json", contentType: "application/json", what: "manifest")
    }

    func pack(batchID: String, file: String) async throws -> Response {
        guard file.hasSuffix(".zip") else { throw APIError.notFound("pack") }
        let name = String(file.dropLast(4))
        guard let first = name.first, first.isASCII, first.isLowercase || first.isNumber, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) })
        else { throw APIError.notFound("pack") }
        let directory = try await exportDirectory(batchID)
        return try Self.streamFile("\(directory)/packs/\(name).zip", contentType: "application/zip", what: "pack")
    }

    /// The folder the server exported batch `id` to; 409 until it has.
    func exportDirectory(_ id: String) async throws -> String {
        let batch = try await server.batch(try APIHandler.batchID(id), tenant: try tenant)
        guard let directory = server.exportDirectory(of: batch),
            FileManager.default.fileExists(atPath: "\(directory)/manifest.json")
        else {
            throw APIError(
                status: .conflict, code: "conflict",
                message:
                    "batch \(batch.id) is \(batch.state.rawValue): its manifest and packs are written when it completes"
            )
        }
        return directory
    }

    /// A file, read and sent 64 KB at a time (a pack of any size in bounded memory).
    static func streamFile(_ path: String, contentType: String, what: String) throws -> Response {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw APIError.notFound(what) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        var headers: HTTPFields = [.contentType: contentType]
        if let size { headers[.contentLength] = "\(size)" }
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { try? handle.close() }
                while true {
                    let chunk = try handle.read(upToCount: 64 << 10) ?? Data()
                    if chunk.isEmpty { break }
                    try await writer.write(ByteBuffer(data: chunk))
                }
                try await writer.finish(nil)
            })
    }

    // MARK: Events

    func events(_ request: Request, batchID: String) async throws -> Response {
        let id = try APIHandler.batchID(batchID)
        _ = try await server.batch(id, tenant: try tenant)
        var after: Int64 = 0
        if let last = request.headers[.lastEventID] {
            guard let value = Int64(last.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw APIError.badRequest("Last-Event-ID is the id of an event this stream sent (a number)")
            }
            after = value
        }
        guard server.hubs.admit(limit: server.configuration.limits.eventStreams) else {
            throw APIError(
                status: .serviceUnavailable, code: "unavailable", message: "too many event streams are open; retry",
                headers: [.retryAfter: "5"])
        }
        let stream = await server.hubs.hub(id, server: server).subscribe(after: after)
        let hubs = server.hubs
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-cache",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                defer { hubs.release() }
                // A server shutting down ends its streams (clients reconnect with Last-Event-ID elsewhere).
                try await withGracefulShutdownHandler {
                    for await frame in stream {
                        try await writer.write(frame)
                    }
                } onGracefulShutdown: {
                    hubs.endAll()
                }
                try await writer.finish(nil)
            })
    }
}

extension HTTPField.Name {
    static var lastEventID: Self { .init("Last-Event-ID")! }
}
