import AdgenCore
import AdgenService
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
        var secretEnv = BatchService.defaultSecretEnv

        @Option(help: "Send only these event types (comma-separated; default all).")
        var events: String?

        @Option(help: "Seconds to wait for deliveries still being retried (default: adgen.yaml's webhooks.wait_s, 60).")
        var wait: Double?

        @OptionGroup var options: StoreOptions

        @Option(help: "How progress shows: auto, bar, lines, json (NDJSON events on stdout), none.")
        var progress: ProgressMode = .auto

        @OptionGroup var remote: RemoteOptions

        func run() async throws {
            if let server = remote.server {
                let folders = try targets.map { text -> String in
                    guard case .folder(let root) = try Self.parse(text) else {
                        throw ValidationError("with --server, export to folder:DIR (webhooks are the server's)")
                    }
                    return root
                }
                try await RemoteSession.with(server: server) { session in
                    for root in folders {
                        let (directory, files) = try await session.client.download(batch, into: root)
                        var output = StreamWriter.standardOutput()
                        output.writeLine("exported \(batch) to \(directory) (\(files) files)")
                        output.flush()
                    }
                }
                return
            }
            var kinds = [WebhookEvent.Kind]()
            for name in events.map({ $0.split(separator: ",").map { String($0).trimmed } }) ?? [] {
                guard let kind = WebhookEvent.Kind(rawValue: name) else {
                    throw ValidationError(
                        "unknown event '\(name)'; one of "
                            + WebhookEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                kinds.append(kind)
            }
            let parsed = try targets.map { text -> BatchService.ExportTarget in
                switch try Self.parse(text) {
                case .folder(let root): .folder(root)
                case .webhook(let url): .webhook(url: url, secretEnv: secretEnv, events: kinds)
                }
            }
            try await BatchSession.with(options: options) { session in
                let service = session.service
                let outcome = try await session.rendering(progress) { events in
                    try await session.checked { () async throws(ServiceError) in
                        try await service.export(batch, to: parsed, wait: wait, events: events)
                    }
                }
                if let failure = outcome.failures.first { throw Exit.code(for: failure) }
                if let mine = outcome.requested {
                    if mine.pending > 0 { throw Exit.tryAgain }
                    if mine.failed > 0 { throw Exit.someFailed }
                }
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
                let service = session.service
                if send {
                    let report = try await session.checked { () async throws(ServiceError) in
                        try await service.sendDeliveries(batch, wait: wait)
                    }
                    if report.pending > 0 || report.failed > 0 || session.interactive {
                        session.say(ProgressRenderer.describe(report))
                    }
                }
                let log = try await session.checked { () async throws(ServiceError) in
                    try await service.deliveryLog(batch)
                }
                var output = StreamWriter.standardOutput()
                if options.json {
                    output.writeLine(
                        try BatchSession.json(
                            DeliveryLog(
                                endpoints: log.endpoints.map { endpoint in
                                    var endpoint = endpoint
                                    endpoint.url = WebhookURLPolicy.redacted(endpoint.url)
                                    return endpoint
                                },
                                messages: log.messages.map { .init(message: $0, attempts: log.attempts[$0.id] ?? []) }))
                    )
                } else {
                    for line in Self.describe(endpoints: log.endpoints, messages: log.messages, attempts: log.attempts)
                    {
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
