import Foundation

/// Which batches `JobStore.batches(_:)` lists, and from where.
public struct BatchQuery: Sendable {
    /// Whose batches.
    public enum TenantFilter: Sendable, Equatable {
        /// Everyone's, the CLI's included.
        case any
        /// The CLI's own: batches submitted without a tenant.
        case none
        /// Those of one tenant.
        case tenant(String)
    }

    public var tenant: TenantFilter
    /// Only batches in these states; nil for every state.
    public var states: Set<Batch.State>?
    /// Where the page starts: after this batch (the previous page's `next`); nil for the newest.
    public var after: BatchCursor?
    /// At most this many batches a page.
    public var limit: Int

    /// Creates a query.
    public init(tenant: TenantFilter = .any, states: Set<Batch.State>? = nil, after: BatchCursor? = nil, limit: Int) {
        self.tenant = tenant
        self.states = states
        self.after = after
        self.limit = limit
    }
}

/// A position in the list of batches, newest first: the page after it starts with the next older batch.
public struct BatchCursor: Sendable, Equatable, Codable {
    /// The creation time and id of the last batch seen.
    public var createdAt: Date
    public var id: String

    /// Creates a cursor.
    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }
}

/// One page of batches.
public struct BatchPage: Sendable {
    /// The batches, newest first.
    public var batches: [Batch]
    /// Where the next page starts; nil when this is the last.
    public var next: BatchCursor?

    /// Creates a page.
    public init(batches: [Batch], next: BatchCursor?) {
        self.batches = batches
        self.next = next
    }
}
