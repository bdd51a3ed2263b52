import AdgenCore
import ArgumentParser
import Foundation

extension Adgen {
    /// `adgen export BATCH --to folder:DIR|webhook:URL …`
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a batch again: to a folder (packs, manifests, gallery) or to a webhook (every event).",
            discussion: """
                folder:DIR writes DIR/<campaign>/<batch-id>/ atomically; the same batch gives the same bytes. \
                webhook:URL sends every creative's event and batch.completed to URL, signed with the secret in \
                --secret-env (default ADGEN_WEBHOOK_SECRET), retried from the store's outbox. Exit codes: 0 done; \
                65 bad target; 69 store unavailable; 73 a folder could not be written; 75 deliveries still \
                retrying when --wait ran out (`adgen deliveries BATCH --send` continues); 3 some were given up or \
                the receiver answered 410 (`adgen deliveries BATCH` says why); 78 secret missing.
                """)

        @Argument(help: "The batch id.")
        var batch: String

        @Option(name: .customLong("to"), help: "folder:DIR or webhook:URL (repeatable).")
        var targets: [String]

        @Option(help: "The environment variable holding the webhook's whsec_ secret.")
        var secretEnv = BatchSession.defaultSecretEnv

        @Option(help: "Send only these event types (comma-separated; default all).")
        var events: String?

        @Option(help: "Seconds to wait for deliveries still being retried (default: adgen.yaml's webhooks.wait_s, 60).")
        var wait: Double?

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let parsed = try targets.map(Self.parse)
            let eventList = events.map { $0.split(separator: ",").map { String($0).trimmed } } ?? []
            for name in eventList where WebhookEvent.Kind(rawValue: name) == nil {
                throw ValidationError(
                    "unknown event '\(name)'; one of \(WebhookEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            try await BatchSession.with(options: options) { session in
                let record = try await session.existingBatch(batch)
                let sender = session.delivery
                var exportFailure: ExitCode?
                // Endpoints this command sends to: its exit code is about them, not the campaign's own webhooks.
                var registered = Set<Int64>()
                for target in parsed {
                    switch target {
                    case .folder(let root):
                        guard record.state == .completed else {
                            session.say(
                                "adgen: batch \(batch) is \(record.state.rawValue); only a completed batch is exported")
                            throw Exit.badInput
                        }
                        do {
                            let delivery = try await DeliveryBatch.load(batch: batch, from: session.store)
                            let export = try FolderExporter(root: root).export(delivery)
                            session.say("exported to \(export.directory)")
                            try await session.announce(export, of: record, with: sender)
                        } catch let error as ExportError {
                            session.say("adgen: export: \(error.description)")
                            exportFailure = BatchSession.exitCode(for: error)
                        }
                    case .webhook(let url):
                        do {
                            _ = try sender.configuration.policy.check(url)
                        } catch {
                            session.say("adgen: --to webhook:\(WebhookURLPolicy.redacted(url)): \(error)")
                            throw Exit.badInput
                        }
                        do {
                            _ = try WebhookSecret.fromEnvironment(secretEnv, sender.configuration.environment)
                        } catch {
                            session.say("adgen: --to webhook:\(WebhookURLPolicy.redacted(url)): \(error)")
                            throw Exit.notConfigured
                        }
                        let endpoint = try await session.store.register(
                            batch: batch,
                            [.init(url: url, secretEnv: secretEnv, events: eventList, origin: .export)], now: Date()
                        ).first { $0.url == url && $0.origin == .export }
                        guard let endpoint else { continue }
                        registered.insert(endpoint.id)
                        let delivery = try await DeliveryBatch.load(batch: batch, from: session.store)
                        try await sender.replay(
                            record, to: endpoint, campaign: delivery.campaign, manifest: Manifest(delivery),
                            manifestPath: nil)
                    }
                }
                if try await !session.store.messages(batch: batch).isEmpty {
                    var waiting = session
                    waiting.waitOverride = wait
                    try await waiting.drain(batch, sender)
                }
                let mine = try await session.store.messages(batch: batch).filter { registered.contains($0.endpointID) }
                if let exportFailure { throw exportFailure }
                if mine.contains(where: { $0.state == .pending }) { throw Exit.tryAgain }
                if mine.contains(where: { $0.state == .failed || $0.state == .skipped }) { throw Exit.someFailed }
            }
        }

        enum Target {
            case folder(String)
            case webhook(String)
        }

        static func parse(_ text: String) throws -> Target {
            if text.hasPrefix("folder:"), text.count > 7 { return .folder(String(text.dropFirst(7))) }
            if text.hasPrefix("webhook:"), text.count > 8 { return .webhook(String(text.dropFirst(8))) }
            throw ValidationError(
                "--to \(text): expected folder:DIR or webhook:URL (e.g. webhook:https://hooks.example.com/adgen)")
        }
    }

    /// `adgen deliveries BATCH [--send]`
    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a batch's webhook messages and every attempt; --send sends what is due now.",
            discussion: """
                Each message keeps its webhook-id across attempts. States: pending (next attempt at …), \
                delivered, failed (the schedule or the maximum age ran out, or the URL was refused), skipped \
                (the endpoint answered 410 Gone and was disabled).
                """)

        @Argument(help: "The batch id.")
        var batch: String

        @Flag(help: "Send the messages that are due, and wait for retries (see --wait).")
        var send = false

        @Option(help: "With --send: seconds to wait for retries (default: adgen.yaml's webhooks.wait_s, 60).")
        var wait: Double?

        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await BatchSession.with(options: options) { session in
                _ = try await session.existingBatch(batch)
                if send {
                    let sender = session.delivery
                    if let campaign = try? await session.runner(useCache: true).campaign(of: batch) {
                        try await sender.announceCreatives(batch: batch, campaign: campaign)
                    }
                    var waiting = session
                    waiting.waitOverride = wait
                    try await waiting.drain(batch, sender)
                }
                let endpoints = try await session.store.endpoints(batch: batch)
                let messages = try await session.store.messages(batch: batch)
                let attempts = Dictionary(grouping: try await session.store.attempts(batch: batch), by: \.messageID)
                var output = StreamWriter.standardOutput()
                if options.json {
                    output.writeLine(
                        try BatchSession.json(
                            DeliveryLog(
                                endpoints: endpoints.map { endpoint in
                                    var endpoint = endpoint
                                    endpoint.url = WebhookURLPolicy.redacted(endpoint.url)
                                    return endpoint
                                },
                                messages: messages.map { .init(message: $0, attempts: attempts[$0.id] ?? []) })))
                } else {
                    for line in Self.describe(endpoints: endpoints, messages: messages, attempts: attempts) {
                        output.writeLine(line)
                    }
                }
                output.flush()
            }
        }

        struct DeliveryLog: Encodable {
            struct Entry: Encodable {
                var id: String
                var endpointId: Int64
                var type: String
                var state: String
                var attempts: [WebhookAttempt]
                var createdAt: Date
                var nextAttemptAt: Date?
                var deliveredAt: Date?
                var lastError: String?

                init(message: WebhookMessage, attempts: [WebhookAttempt]) {
                    id = message.id
                    endpointId = message.endpointID
                    type = message.type.rawValue
                    state = message.state.rawValue
                    self.attempts = attempts
                    createdAt = message.createdAt
                    nextAttemptAt = message.state == .pending ? message.nextAttemptAt : nil
                    deliveredAt = message.deliveredAt
                    lastError = message.lastError
                }
            }
            var endpoints: [WebhookEndpoint]
            var messages: [Entry]
        }

        static func describe(
            endpoints: [WebhookEndpoint], messages: [WebhookMessage], attempts: [String: [WebhookAttempt]]
        ) -> [String] {
            guard !endpoints.isEmpty else { return ["no webhooks for this batch"] }
            var lines = [String]()
            let formatter = ISO8601DateFormatter()
            for endpoint in endpoints {
                let own = messages.filter { $0.endpointID == endpoint.id }
                let counts = Dictionary(grouping: own, by: \.state).mapValues(\.count)
                var line =
                    "\(WebhookURLPolicy.redacted(endpoint.url)) (\(endpoint.origin.rawValue), "
                    + "secret $\(endpoint.secretEnv))"
                if let reason = endpoint.disabledReason { line += " · disabled: \(reason)" }
                lines.append(line)
                lines.append(
                    "  \(counts[.delivered] ?? 0) delivered, \(counts[.pending] ?? 0) pending, "
                        + "\(counts[.failed] ?? 0) failed, \(counts[.skipped] ?? 0) skipped, of \(own.count)")
                for message in own {
                    var head = "  \(message.id)  \(message.type.rawValue)  \(message.state.rawValue)"
                    if message.state == .pending { head += " · next \(formatter.string(from: message.nextAttemptAt))" }
                    lines.append(head)
                    for attempt in attempts[message.id] ?? [] {
                        var text =
                            "    #\(attempt.number) \(formatter.string(from: attempt.startedAt)) "
                            + "\(attempt.durationMilliseconds) ms \(attempt.outcome)"
                        if let status = attempt.status { text += " HTTP \(status)" }
                        if let error = attempt.error, attempt.outcome != "delivered" { text += " · \(error)" }
                        lines.append(text)
                    }
                }
            }
            return lines
        }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
