import AdgenCore

/// Why the service refused or could not finish a request. Each kind maps to one exit code in the CLI and one HTTP
/// status in the server; the message says what happened, where, and how to fix it, and never holds a secret.
///
/// Compare with the static members to tell the kinds apart: `error.kind == .invalidCampaign`.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: Sendable, Equatable {
        /// The campaign (or a file it references) has errors: `diagnostics` lists every one, at FILE:LINE:COL.
        case invalidCampaign
        /// A target or option of the request is wrong (a webhook URL that is not allowed, an unknown event).
        case badRequest
        /// No such batch in the store.
        case noSuchBatch
        /// The batch is not in a state that allows this (exporting a batch that is not completed).
        case conflict
        /// Something the operator sets up is missing: a provider's API key, a webhook secret variable.
        case notConfigured
        /// The store or a provider cannot be reached now.
        case unavailable
        /// A bug or an unexpected condition.
        case `internal`
    }

    /// What kind of failure.
    public let kind: Kind
    /// One line (or a few) for a person: what, where, how to fix.
    public let message: String
    /// Every problem of an invalid campaign, with its position; empty for the other kinds.
    public let diagnostics: [Diagnostic]

    init(_ kind: Kind, _ message: String, diagnostics: [Diagnostic] = []) {
        self.kind = kind
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.isEmpty ? message : diagnostics.map(\.description).joined(separator: "\n")
    }

    static func invalidCampaign(_ error: CampaignError) -> ServiceError {
        ServiceError(.invalidCampaign, error.description, diagnostics: error.diagnostics)
    }

    /// The error for batch `id` not being there (or not being the caller's: the same answer).
    public static func noSuchBatch(_ id: String) -> ServiceError {
        ServiceError(.noSuchBatch, "no batch \(id) in this store; `adgen status` lists the batches it holds")
    }

    /// The service error for any error a lower layer threw.
    static func wrapping(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError: return error
        case let error as CampaignError: return .invalidCampaign(error)
        case let error as StoreError where error.isNoSuchBatch:
            return ServiceError(.noSuchBatch, error.message + "; `adgen status` lists the batches it holds")
        case let error as StoreError where error.isUnavailable: return ServiceError(.unavailable, error.message)
        case let error as ExportError where error == .noSuchBatch: return ServiceError(.noSuchBatch, error.description)
        default: return ServiceError(.internal, "\(error)")
        }
    }
}
