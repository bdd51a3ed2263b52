import AdgenCore
import AdgenService
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIRuntime

/// Every error the API answers, in one JSON shape: `{"error": {"code", "message", "diagnostics"?}}`. Generated
/// operations throw it (the OpenAPI runtime turns it into the response); hand-written routes answer `response`.
struct APIError: Error, Sendable, HTTPResponseConvertible {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var diagnostics: [Diagnostic] = []
    var headers: HTTPFields = [:]

    static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "no such \(what)")
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized",
        message: "an API key is needed: send `Authorization: Bearer KEY`",
        headers: [.wwwAuthenticate: #"Bearer realm="adgen""#])

    /// The API's answer to a service error. A batch another tenant owns is `noSuchBatch` by then: never 403.
    init(_ error: ServiceError) {
        switch error.kind {
        case .invalidCampaign:
            self.init(
                status: .unprocessableContent, code: "invalid_campaign", message: error.message,
                diagnostics: error.diagnostics)
        case .badRequest: self.init(status: .badRequest, code: "bad_request", message: error.message)
        case .noSuchBatch: self.init(status: .notFound, code: "not_found", message: "no such batch")
        case .conflict: self.init(status: .conflict, code: "conflict", message: error.message)
        case .notConfigured:
            self.init(status: .unprocessableContent, code: "not_configured", message: error.message)
        case .unavailable: self.init(status: .serviceUnavailable, code: "unavailable", message: error.message)
        case .internal: self.init(status: .internalServerError, code: "internal", message: error.message)
        }
    }

    init(
        status: HTTPResponse.Status, code: String, message: String, diagnostics: [Diagnostic] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
        self.headers = headers
    }

    /// The JSON body, in the document's `Error` schema.
    var json: [UInt8] {
        let body = Components.Schemas._Error(
            error: .init(
                code: code, message: message,
                diagnostics: diagnostics.isEmpty
                    ? nil
                    : diagnostics.map {
                        .init(
                            file: $0.location.file, line: $0.location.line, column: $0.location.column,
                            message: $0.message, hint: $0.hint)
                    }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(body)) ?? Data(#"{"error":{"code":"internal","message":"?"}}"#.utf8))
    }

    var httpStatus: HTTPResponse.Status { status }
    var httpHeaderFields: HTTPFields {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return fields
    }
    var httpBody: OpenAPIRuntime.HTTPBody? { HTTPBody(json) }
}

/// The API's error body read back, for clients (`adgen run --server`): the document's `Error` schema, the same type the
/// server encodes.
public enum APIErrorBody {
    /// An error body as a client reads it (`adgen run --server`): its code, message and diagnostics; nil when `bytes`
    /// is not one.
    public static func decode(_ bytes: [UInt8]) -> (code: String, message: String, diagnostics: [Diagnostic])? {
        guard let body = try? JSONDecoder().decode(Components.Schemas._Error.self, from: Data(bytes)) else {
            return nil
        }
        let diagnostics = (body.error.diagnostics ?? []).map {
            Diagnostic(SourceLocation(file: $0.file, line: $0.line, column: $0.column), $0.message, hint: $0.hint)
        }
        return (body.error.code, body.error.message, diagnostics)
    }
}

/// Turns what a generated operation throws into the API's error shape: an `APIError` as it is; a request the
/// generated code could not decode (a bad parameter, a body that is not what the document says) 400; anything else
/// 500, logged, without its details.
struct APIErrorMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch let error as ServerError {
            let answer: APIError
            if let api = error.underlyingError as? APIError {
                answer = api
            } else if let service = error.underlyingError as? ServiceError {
                answer = APIError(service)
            } else if error.operationInput == nil {
                answer = .badRequest(
                    "the request does not match the API (see /openapi.yaml): \(error.causeDescription)")
            } else {
                answer = APIError(status: .internalServerError, code: "internal", message: "internal error")
            }
            return (HTTPResponse(status: answer.status, headerFields: answer.httpHeaderFields), answer.httpBody)
        }
    }
}
