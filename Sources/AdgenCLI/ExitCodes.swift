import AdgenCore
import AdgenService
import ArgumentParser

/// The exit codes of the batch commands (sysexits), from the one table `adgen --help` documents.
extension Exit {
    /// The batch was cancelled.
    static let cancelled = ExitCode(4)
    /// A provider or the store is unavailable.
    static let unavailable = ExitCode(69)
    /// A folder export could not be written; the results stay in the store for `adgen export`.
    static let cannotCreate = ExitCode(73)
    /// Paused on an operator error (a full disk), or deliveries still retrying: fix it, then try again.
    static let tryAgain = ExitCode(75)
    /// The provider or a webhook is not configured (a missing API key or secret variable).
    static let notConfigured = ExitCode(78)

    /// The exit code of a service error.
    static func code(for error: ServiceError) -> ExitCode {
        switch error.kind {
        case .invalidCampaign, .badRequest, .noSuchBatch, .conflict: badInput
        case .notConfigured: notConfigured
        case .unavailable: unavailable
        case .internal: internalError
        }
    }

    /// The exit code of a failed folder export: 73 a folder that cannot be written; 65 a creative's file missing or
    /// changed on disk (`adgen resume` or restoring it fixes that); 70 anything else.
    static func code(for error: ExportError) -> ExitCode {
        if error == .unwritable || error == .outsideRoot { return cannotCreate }
        if error == .missingSource || error == .changedSource || error == .noSuchBatch { return badInput }
        return internalError
    }
}
