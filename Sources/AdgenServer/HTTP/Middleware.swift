import AdgenCore
import AdgenService
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The outermost layer: every error, wherever it is thrown (a route, the router's own 404, a body over the limit),
/// answers in the API's one JSON shape; every request is counted.
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = Self.response(error)
        } catch let error as ServiceError {
            response = Self.response(APIError(error))
        } catch let error as HTTPError {
            let allowed = error.status == .notFound ? routes.methods(for: request.uri.path) : []
            if allowed.isEmpty {
                response = Self.response(Self.apiError(error))
            } else {
                response = Self.response(
                    APIError(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.uri.path) takes \(allowed.joined(separator: ", "))",
                        headers: [.allow: allowed.joined(separator: ", ")]))
            }
        } catch {
            context.logger.error("unexpected error: \(String(describing: type(of: error)))")
            response = Self.response(
                APIError(status: .internalServerError, code: "internal", message: "internal error"))
        }
        metrics.request(status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }

    static func apiError(_ error: HTTPError) -> APIError {
        let code: String
        switch error.status {
        case .notFound: code = "not_found"
        case .contentTooLarge: code = "payload_too_large"
        case .methodNotAllowed: code = "method_not_allowed"
        case .unsupportedMediaType: code = "unsupported_media_type"
        case .tooManyRequests: code = "rate_limited"
        default: code = error.status.code >= 500 ? "internal" : "bad_request"
        }
        let message =
            error.status == .notFound ? "no such route; see /openapi.yaml" : (error.body ?? error.status.reasonPhrase)
        return APIError(status: error.status, code: code, message: message)
    }

    static func response(_ error: APIError) -> Response {
        Response(
            status: error.status, headers: error.httpHeaderFields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.json)))
    }
}

/// Authenticates every `/v1/` and `/batches/` request and sets its `RequestScope`: a bearer key (its tenant), or, for
/// reading one batch, a view token for that batch. Applies the per-key rate limit, and collects a campaign upload's
/// body within its limit (so a 10 GB body is refused after 10 MB, not read).
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: ServerState

    static var campaignPaths: Set<String> { ["/v1/batches", "/v1/validate", "/v1/expand"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") || path.hasPrefix("/batches/") else { return try await next(request, context) }
        if let view = request.uri.queryParameters["view"], view.count > 200 {
            throw APIError.badRequest("view is a token of at most 200 characters, as the batch's gallery_url has it")
        }
        let tenant = try authenticate(request)
        if let wait = server.rates.take(tenant) {
            throw APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "over \(Int(server.rates.perSecond)) requests a second for this key; slow down",
                headers: [.retryAfter: "\(max(1, Int(wait.rounded(.up))))"])
        }
        var request = request
        var scope = RequestScope(tenant: tenant, query: Self.query(request.uri.query))
        if request.method == .post, Self.campaignPaths.contains(path) {
            let type = request.headers[.contentType]?.lowercased() ?? ""
            let limits = server.configuration.limits
            if type.hasPrefix("multipart/form-data") {
                _ = try await collect(&request, upTo: limits.multipartBytes)
            } else if let normalised = Self.campaignType(type) {
                let body = try await collect(&request, upTo: limits.campaignBytes)
                scope.body = Array(buffer: body)
                var head = request.head
                head.headerFields[.contentType] = normalised
                request = Request(head: head, body: .init(buffer: body))
            } else {
                throw APIError(
                    status: .unsupportedMediaType, code: "unsupported_media_type",
                    message:
                        "send the campaign as application/yaml, application/json or multipart/form-data (with a `campaign` part)"
                )
            }
        }
        return try await RequestScope.$current.withValue(scope) { try await next(request, context) }
    }

    /// The tenant of the request's key, or of its view token when it reads the one batch the token is for.
    func authenticate(_ request: Request) throws(APIError) -> String {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                let tenant = server.keys.tenant(of: String(parts[1]).trimmingCharacters(in: .whitespaces))
            else {
                throw APIError(
                    status: .unauthorized, code: "unauthorized", message: "the API key is not one this server knows",
                    headers: [.wwwAuthenticate: #"Bearer realm="adgen", error="invalid_token""#])
            }
            return tenant
        }
        if request.method == .get, let token = request.uri.queryParameters["view"].map(String.init),
            let batch = Self.viewedBatch(request.uri.path),
            let tenant = server.views.verify(
                token, batch: batch, tenants: server.keys.entries.map(\.tenant), now: Date())
        {
            return tenant
        }
        throw APIError.unauthorized
    }

    /// The batch a read-only path is about, when a view token may open it: the gallery page, the batch, its
    /// creatives, its events, manifest and packs, and its creatives' images.
    static func viewedBatch(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 3 where parts[1] == "batches": return parts[2]
        case 4 where parts[1] == "v1" && parts[2] == "batches": return parts[3]
        case 5
        where parts[1] == "v1" && parts[2] == "batches" && ["creatives", "events", "manifest.json"].contains(parts[4]):
            return parts[3]
        case 6 where parts[1] == "v1" && parts[2] == "batches" && parts[4] == "packs": return parts[3]
        case 4 where parts[1] == "v1" && parts[2] == "creatives",
            5 where parts[1] == "v1" && parts[2] == "creatives" && parts[4] == "image":
            return CreativeHandle(parts[3])?.batch
        default: return nil
        }
    }

    static func campaignType(_ type: String) -> String? {
        let base = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch base {
        case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml": return "application/yaml"
        case "application/json": return "application/json"
        default: return nil
        }
    }

    func collect(_ request: inout Request, upTo limit: Int) async throws(APIError) -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Self.tooLarge(limit)
        }
        do {
            return try await request.collectBody(upTo: limit)
        } catch {
            throw Self.tooLarge(limit)
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "payload_too_large",
            message: "the body is over this server's limit of \(limit) bytes for it")
    }

    static func query(_ query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { item in
            let pair = item.split(separator: "=", maxSplits: 1)
            func decoded(_ text: Substring?) -> String {
                let text = String(text ?? "").replacingOccurrences(of: "+", with: " ")
                return text.removingPercentEncoding ?? text
            }
            return (decoded(pair.first), decoded(pair.count > 1 ? pair[1] : nil))
        }
    }
}
