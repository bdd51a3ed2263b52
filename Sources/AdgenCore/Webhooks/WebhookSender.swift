import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Posts one webhook message to one URL and says what came of it; it never throws.
///
/// The URL is checked and its host resolved by the policy first, and the connection then goes to exactly the
/// address that was vetted (the HTTP client's `dnsOverride` pins the host name to it, so a second DNS answer
/// cannot point elsewhere; TLS still verifies the certificate for the host name). Redirects are never followed,
/// the whole attempt — resolving, connecting, the answer's head and body — has one deadline, and at most
/// `maxResponseBytes` of the answer are read before the connection is dropped.
public struct WebhookSender: Sendable {
    /// Limits of one attempt.
    public struct Configuration: Sendable {
        /// The longest one attempt may take, from resolving the host to the end of the answer's body.
        public var timeout: Duration = .seconds(15)
        /// The most bytes of an answer's body read; the rest is never received.
        public var maxResponseBytes = 65_536

        /// The defaults: 15 seconds and 64 KB.
        public init() {}
    }

    /// The most bytes of the answer kept in `WebhookResponse.responseExcerpt`.
    static let excerptBytes = 1024

    /// Which URLs may be posted to.
    public var policy: WebhookURLPolicy
    /// Limits of one attempt.
    public var configuration: Configuration

    /// A sender under `policy`.
    public init(policy: WebhookURLPolicy, configuration: Configuration = .init()) {
        self.policy = policy
        self.configuration = configuration
    }

    /// POSTs `body` with `headers` (from `WebhookSigner.headers`) to `url`: `.delivered` on 2xx, `.gone` on 410,
    /// `.refused` when the policy refuses the URL (nothing is sent), `.failed` otherwise.
    public func send(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookResponse {
        let clock = ContinuousClock()
        let start = clock.now
        var response = await attempt(url: url, headers: headers, body: body)
        response.duration = clock.now - start
        return response
    }

    func attempt(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookResponse {
        let target: WebhookTarget
        do {
            target = try policy.check(url)
        } catch {
            return WebhookResponse(outcome: .refused, error: error.description)
        }
        let progress = Progress()
        let timeout = configuration.timeout
        let finished = await withTaskGroup(of: WebhookResponse?.self) { group in
            group.addTask { await self.exchange(target, headers: headers, body: body, progress: progress) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        if let finished { return finished }
        if Task.isCancelled { return progress.response(error: "cancelled") }
        // The deadline came first: after the head, the answer stands with the body read so far.
        let late = "timed out after \(ProviderHTTP.seconds(timeout))"
        return progress.status == nil ? WebhookResponse(outcome: .failed, error: late) : progress.response()
    }

    /// Resolves, connects to the vetted address, posts, and reads the answer into `progress`.
    func exchange(_ target: WebhookTarget, headers: [(String, String)], body: [UInt8], progress: Progress) async
        -> WebhookResponse
    {
        let address: String
        do {
            address = try await policy.resolve(target)
        } catch {
            return WebhookResponse(outcome: error.isRefusal ? .refused : .failed, error: error.description)
        }
        let settings = clientConfiguration(for: target, address: address)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: settings)
        let response = await post(target, headers: headers, body: body, client: client, progress: progress)
        try? await client.shutdown()
        return response
    }

    /// The HTTP client's settings for one attempt: the host name pinned to `address` (TLS still uses the name),
    /// no redirects, no retried connection (a refused connection fails at once), the timeout on connect and read.
    func clientConfiguration(for target: WebhookTarget, address: String) -> HTTPClient.Configuration {
        let timeout = TimeAmount.nanoseconds(configuration.timeout.nanoseconds)
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: timeout, read: timeout)
        settings.connectionPool.retryConnectionEstablishment = false
        settings.decompression = .disabled
        if !target.isIPLiteral { settings.dnsOverride = [target.host: address] }
        return settings
    }

    func post(
        _ target: WebhookTarget, headers: [(String, String)], body: [UInt8], client: HTTPClient, progress: Progress
    ) async -> WebhookResponse {
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(
                request, deadline: .now() + .nanoseconds(configuration.timeout.nanoseconds))
        } catch {
            return WebhookResponse(outcome: .failed, error: describe(error, target: target))
        }
        let retryAfter = answer.headers.first(name: "retry-after").flatMap {
            parseRetryAfter($0, now: Date().timeIntervalSince1970)
        }
        progress.received(status: Int(answer.status.code), retryAfter: retryAfter)
        var read = 0
        do {
            for try await chunk in answer.body {
                read += chunk.readableBytes
                progress.append(chunk.readableBytesView)
                // Leaving the loop drops the body stream: the client stops reading and closes the connection.
                if read >= configuration.maxResponseBytes { break }
            }
        } catch {
            // A broken body after the head: the status stands.
        }
        return progress.response()
    }

    /// One line for a transport error, without the URL's secrets.
    func describe(_ error: any Error, target: WebhookTarget) -> String {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout].contains(error) {
                return "timed out after \(ProviderHTTP.seconds(configuration.timeout))"
            }
            if error == .remoteConnectionClosed { return "the connection closed before an answer" }
            if error == .cancelled { return "cancelled" }
        }
        if Self.isConnectionRefused(error) { return "connection refused" }
        let text = ProviderHTTP.oneLine(String(describing: error))
        return text.replacingOccurrences(of: target.url, with: WebhookURLPolicy.redacted(target.url))
    }

    static func isConnectionRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.contains { isConnectionRefused($0.error) }
        }
        return String(describing: error).localizedCaseInsensitiveContains("connection refused")
    }
}

extension WebhookSender {
    /// What is known of an answer so far, shared with the deadline: the status once the head came, and the
    /// start of the body.
    final class Progress: Sendable {
        struct State {
            var status: Int?
            var retryAfter: Double?
            var excerpt: [UInt8] = []
        }

        let state = Mutex(State())

        var status: Int? { state.withLock { $0.status } }

        func received(status: Int, retryAfter: Double?) {
            state.withLock {
                $0.status = status
                $0.retryAfter = retryAfter
            }
        }

        func append(_ bytes: ByteBufferView) {
            state.withLock {
                let room = WebhookSender.excerptBytes - $0.excerpt.count
                if room > 0 { $0.excerpt += bytes.prefix(room) }
            }
        }

        /// The attempt's outcome from the status: 2xx delivered, 410 gone, 3xx and the rest failed.
        func response(error override: String? = nil) -> WebhookResponse {
            let state = state.withLock { $0 }
            let excerpt = String(decoding: state.excerpt, as: UTF8.self)
            guard let status = state.status else {
                return WebhookResponse(outcome: .failed, error: override, responseExcerpt: excerpt)
            }
            var response = WebhookResponse(outcome: .failed, status: status, responseExcerpt: excerpt)
            switch status {
            case 200..<300:
                response.outcome = .delivered
            case 410:
                response.outcome = .gone
                response.error = "HTTP 410: the receiver asks for no more messages; disable the endpoint"
            case 300..<400:
                response.error = "redirect (\(status)) not followed: point the webhook at the final URL"
            default:
                response.error = "HTTP \(status)"
                response.retryAfter = state.retryAfter.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) }
            }
            if let override { response.error = override }
            return response
        }
    }
}
