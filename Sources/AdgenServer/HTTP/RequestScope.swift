import Foundation

/// What the HTTP layer learnt of the request being handled, for the generated operations, which see only their typed
/// input: the tenant its key belongs to, its raw query (for `axis.NAME=VALUE`) and its raw body (a campaign's bytes,
/// so diagnostics point at the lines the client sent).
struct RequestScope: Sendable {
    /// The authenticated tenant.
    var tenant: String
    /// The query's items, in order, percent-decoded.
    var query: [(name: String, value: String)] = []
    /// The body, when it was collected (campaign uploads).
    var body: [UInt8]?

    @TaskLocal static var current: RequestScope?

    /// The current request's scope; a generated operation runs only behind the authentication middleware.
    static var required: RequestScope {
        get throws(APIError) {
            guard let current else { throw .unauthorized }
            return current
        }
    }
}
