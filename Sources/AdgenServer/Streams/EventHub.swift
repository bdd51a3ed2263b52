import AdgenCore
import AdgenService
import Crypto
import Foundation
import Logging
import NIOCore
import Synchronization

/// One batch's server-sent events, shared by every client following it: a single task reads the store (creatives in
/// the order they finished, the batch's counts) and hands each frame to every subscriber, so a thousand clients cost
/// one poll, not a thousand.
///
/// Creative events are numbered by the batch's finish order (`id:`), which the store keeps, so a client that
/// reconnects with `Last-Event-ID: N` gets exactly the events after N — from this process or another.
actor BatchEventHub {
    let batch: String
    let server: ServerState
    /// Creative frames in finish order: `frames[i]` has id i + 1.
    private var frames: [ByteBuffer] = []
    private var lastProgress: Batch?
    private var progressFrame: ByteBuffer?
    private var finalFrame: ByteBuffer?
    /// Each subscriber's stream, and the creative event it resumed after (earlier ones are not its).
    private var subscribers: [UInt64: (continuation: AsyncStream<ByteBuffer>.Continuation, after: Int64)] = [:]
    private var nextSubscriber: UInt64 = 0
    private var polling: Task<Void, Never>?
    private let onIdle: @Sendable () -> Void

    init(batch: String, server: ServerState, onIdle: @escaping @Sendable () -> Void) {
        self.batch = batch
        self.server = server
        self.onIdle = onIdle
    }

    /// A stream of the frames after creative event `after`: those already read, then each as it comes, ending after
    /// the batch's last event. A subscriber that falls more than `buffer` frames behind is ended (it reconnects with
    /// its Last-Event-ID).
    func subscribe(after: Int64, buffer: Int = 20_000) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(buffer))
        let id = nextSubscriber
        nextSubscriber += 1
        continuation.yield(Self.comment("adgen \(batch)"))
        if let progressFrame { continuation.yield(progressFrame) }
        if after < Int64(frames.count) {
            for frame in frames[Int(max(0, after))...] { continuation.yield(frame) }
        }
        if let finalFrame {
            continuation.yield(finalFrame)
            continuation.finish()
            return stream
        }
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        subscribers[id] = (continuation, after)
        if polling == nil {
            polling = Task { await self.poll() }
        }
        return stream
    }

    /// Ends every subscriber's stream.
    func endAll() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
    }

    private func unsubscribe(_ id: UInt64) {
        subscribers[id] = nil
        if subscribers.isEmpty {
            polling?.cancel()
            polling = nil
            onIdle()
        }
    }

    /// Hands `frame` to every subscriber (a creative event, numbered `sequence`, only to those after it).
    private func send(_ frame: ByteBuffer, sequence: Int64? = nil) {
        for (id, subscriber) in subscribers {
            if let sequence, sequence <= subscriber.after { continue }
            if case .dropped = subscriber.continuation.yield(frame) {
                subscriber.continuation.finish()
                subscribers[id] = nil
            }
        }
    }

    /// Reads the store until the batch's last event is out or nobody listens.
    private func poll() async {
        let service = server.service
        var lastHeartbeat = ContinuousClock.now
        while !Task.isCancelled && finalFrame == nil {
            do {
                guard let batch = try await service.store.batch(id: batch) else { break }
                let context = try await service.context(of: self.batch)
                // Creatives that finished since, in order, a page at a time.
                while true {
                    let finished = try await service.finishedCreatives(
                        of: self.batch, after: Int64(frames.count), limit: 1000)
                    for creative in finished {
                        guard let sequence = creative.finishedSequence, sequence == Int64(frames.count) + 1 else {
                            continue
                        }
                        let (kind, payload) = try WebhookEvent.creative(creative, context: context, at: Date())
                        let frame = Self.frame(id: sequence, event: kind.rawValue, data: payload)
                        frames.append(frame)
                        send(frame, sequence: sequence)
                    }
                    if finished.count < 1000 { break }
                }
                if batch.creatives != lastProgress?.creatives || batch.jobs != lastProgress?.jobs
                    || batch.state != lastProgress?.state
                {
                    lastProgress = batch
                    let frame = Self.frame(
                        id: nil, event: "batch.progress", data: try Self.progress(batch))
                    progressFrame = frame
                    send(frame)
                }
                // The last event waits for the run to end (export written), so a client that reads the manifest on
                // `batch.completed` finds it.
                if batch.state.isFinished, batch.creatives.remaining == 0 || batch.state != .completed,
                    !server.workers.isWorking(on: self.batch)
                {
                    // Read once, at the end: the batch pass marks what it drops after the creatives finished.
                    let dropped = try await service.store.creatives(batch: self.batch).filter { $0.dropped != nil }
                        .count
                    let payload = try WebhookEvent.batchCompleted(
                        batch, manifest: String?.none, manifestPath: nil, dropped: dropped, at: Date())
                    if let ready = try exportReady(batch) {
                        progressFrame = nil
                        send(ready)
                    }
                    let frame = Self.frame(id: nil, event: "batch.completed", data: payload)
                    finalFrame = frame
                    send(frame)
                    endAll()
                    break
                }
            } catch is CancellationError {
                break
            } catch {
                server.logger.warning("event stream: \(error)", metadata: ["adgen.batch": "\(batch)"])
            }
            if ContinuousClock.now - lastHeartbeat > server.configuration.eventHeartbeat {
                send(Self.comment("keep-alive"))
                lastHeartbeat = .now
            }
            try? await Task.sleep(for: server.configuration.eventPoll)
        }
        polling = nil
        if subscribers.isEmpty { onIdle() }
    }

    /// `export.ready` for the server's own export of a completed batch (what its manifest and pack routes serve): the
    /// manifest's URL and SHA-256, and how many files and bytes the export holds. Nil when there is none.
    func exportReady(_ batch: Batch) throws -> ByteBuffer? {
        guard let directory = server.exportDirectory(of: batch),
            let manifest = FileManager.default.contents(atPath: "\(directory)/manifest.json")
        else { return nil }
        var files = 0
        var bytes = 0
        for case let path as String in FileManager.default.enumerator(atPath: directory) ?? .init() {
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(path)")
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            files += 1
            bytes += attributes?[.size] as? Int ?? 0
        }
        struct Ready: Encodable {
            var batchId: String
            var campaign: String
            var target = "server"
            var manifestUrl: String
            var files: Int
            var bytes: Int
            var manifestSha256: String
        }
        let digest = Hex.string(SHA256.hash(data: manifest))
        let payload = try WebhookEvent.event(
            WebhookEvent.Kind.exportReady.rawValue, at: Date(),
            Ready(
                batchId: batch.id, campaign: batch.campaign, manifestUrl: "/v1/batches/\(batch.id)/manifest.json",
                files: files, bytes: bytes, manifestSha256: digest))
        return Self.frame(id: nil, event: WebhookEvent.Kind.exportReady.rawValue, data: payload)
    }

    static func progress(_ batch: Batch) throws -> [UInt8] {
        struct Progress: Encodable {
            var batchId: String
            var campaign: String
            var state: String
            var creatives: Batch.Counts
            var generations: Batch.Counts
            var costUsd: Double
        }
        return try WebhookEvent.event(
            "batch.progress", at: Date(),
            Progress(
                batchId: batch.id, campaign: batch.campaign, state: batch.state.rawValue, creatives: batch.creatives,
                generations: batch.jobs, costUsd: batch.costUSD))
    }

    /// One SSE message. The JSON payloads have no newlines (`data:` is one line).
    static func frame(id: Int64?, event: String, data: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let id { buffer.writeString("id: \(id)\n") }
        buffer.writeString("event: \(event)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static func comment(_ text: String) -> ByteBuffer {
        ByteBuffer(string: ": \(text)\n\n")
    }
}

/// The hubs of the batches being followed, one per batch, dropped when nobody follows.
final class EventHubs: Sendable {
    private let hubs = Mutex<[String: BatchEventHub]>([:])
    private let open = Atomic<Int>(0)

    /// The hub of `batch`.
    func hub(_ batch: String, server: ServerState) -> BatchEventHub {
        hubs.withLock { hubs in
            if let hub = hubs[batch] { return hub }
            let hub = BatchEventHub(batch: batch, server: server) { [weak self] in self?.drop(batch) }
            hubs[batch] = hub
            return hub
        }
    }

    /// Ends every stream of every hub (the server is shutting down).
    func endAll() {
        for hub in hubs.withLock({ Array($0.values) }) {
            Task { await hub.endAll() }
        }
    }

    private func drop(_ batch: String) {
        hubs.withLock { $0[batch] = nil }
    }

    /// Counts an open stream; false (nothing counted) when `limit` are open.
    func admit(limit: Int) -> Bool {
        while true {
            let current = open.load(ordering: .relaxed)
            guard current < limit else { return false }
            if open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed).exchanged {
                return true
            }
        }
    }

    func release() { open.subtract(1, ordering: .relaxed) }

    /// Streams open now.
    var openCount: Int { open.load(ordering: .relaxed) }
}
