import AdgenCore
import Foundation

extension BatchService {
    /// Which creatives a listing keeps.
    public struct CreativeFilter: Sendable, Equatable {
        public var sizeID: String?
        public var states: Set<CreativeRecord.State>?
        /// A tag the creative carries (its scorecard's tags, which include `axis:value`).
        public var tag: String?
        public var minScore: Double?
        /// Axis values it must have, by axis name.
        public var axes: [String: String] = [:]

        /// Keeps everything.
        public init() {}

        func keeps(_ creative: CreativeRecord) -> Bool {
            if let tag, !(creative.scorecard?.tags.contains(tag) ?? false) { return false }
            if let minScore, (creative.scorecard?.total ?? -1) < minScore { return false }
            for (name, value) in axes where !creative.variant.axes.contains([name, value]) { return false }
            return true
        }

        /// Whether only the store's own filters (size, state) are set.
        var isStoreOnly: Bool { tag == nil && minScore == nil && axes.isEmpty }
    }

    /// A page of creatives and where the next one starts.
    public struct CreativePage: Sendable {
        public var creatives: [CreativeRecord]
        /// The id to continue after; nil on the last page.
        public var next: String?
    }

    /// Up to `limit` creatives of `batch` that `filter` keeps, by creative id, after `after`. `batch` is one the caller
    /// read for its tenant (`batch(_:tenant:)`). Filters the store cannot apply are applied here, reading at most
    /// `scanLimit` creatives a page; a page may then come back short, with `next` set.
    public func creatives(
        of batch: Batch, filter: CreativeFilter, after: String?, limit: Int, scanLimit: Int = 5000
    ) async throws(ServiceError) -> CreativePage {
        let id = batch.id
        var kept = [CreativeRecord]()
        var cursor = after
        var scanned = 0
        do {
            while kept.count < limit && scanned < scanLimit {
                let want = filter.isStoreOnly ? limit - kept.count + 1 : min(500, scanLimit - scanned)
                let rows = try await store.creatives(
                    batch: id, after: cursor, limit: want, sizeID: filter.sizeID, states: filter.states)
                scanned += rows.count
                for row in rows {
                    if kept.count == limit { return CreativePage(creatives: kept, next: kept.last?.id) }
                    cursor = row.id
                    if filter.keeps(row) { kept.append(row) }
                }
                if rows.count < want { return CreativePage(creatives: kept, next: nil) }
            }
        } catch {
            throw .wrapping(error)
        }
        return CreativePage(creatives: kept, next: cursor)
    }

    /// Creative `creative` of `batch`, one the caller read for its tenant (`batch(_:tenant:)`).
    public func creative(_ creative: String, of batch: Batch) async throws(ServiceError) -> CreativeRecord? {
        do {
            return try await store.creative(batch: batch.id, id: creative)
        } catch {
            throw .wrapping(error)
        }
    }

    /// What creative `creative` cost: its share of its generation's cost.
    public func cost(of creative: CreativeRecord) async throws(ServiceError) -> Double {
        do {
            let siblings = try await store.creatives(job: creative.jobID)
            let job = try await store.job(id: creative.jobID)
            return (job?.costUSD ?? 0) / Double(max(1, siblings.count))
        } catch {
            throw .wrapping(error)
        }
    }

    /// Creatives of batch `id` that reached a final state after `sequence`, in that order.
    public func finishedCreatives(of id: String, after sequence: Int64, limit: Int) async throws(ServiceError)
        -> [CreativeRecord]
    {
        do {
            return try await store.finishedCreatives(batch: id, after: sequence, limit: limit)
        } catch {
            throw .wrapping(error)
        }
    }

    /// Sends every webhook message that is due, of every batch: what a long-running process does between batches,
    /// so retries go out when they are due rather than when a command next runs. Returns the attempts made.
    public func sendDueDeliveries() async throws(ServiceError) -> Int {
        do {
            let sender = delivery
            return try await sender.sendDue(batch: nil).attempts
        } catch {
            throw .wrapping(error)
        }
    }

    /// Gives back delivery leases of processes of this host that died (run once when a long-running process starts).
    public func recoverDeliveries() async {
        try? await delivery.recoverAbandoned(batch: nil)
    }
}
