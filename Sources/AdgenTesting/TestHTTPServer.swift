import AdgenCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request the test server received, read whole.
public struct TestHTTPRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The query parameters (the last value of a repeated name).
    public var query: [String: String]
    /// The headers, names lowercased.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// The body as JSON, when it is.
    public var json: JSONValue? { JSONValue.parse(body) }

    /// A header's value by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// An answer of the test server.
public struct TestHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Headers; `Content-Length` is added.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]
    /// Send the head, then wait this long before the body (a server that stalls mid-answer).
    public var bodyDelay: Duration?
    /// Close the connection without answering.
    public var dropConnection = false

    /// Creates an answer.
    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> Self {
        Self(status: status, headers: [("Content-Type", "application/json")] + headers, body: value.encoded)
    }

    /// Raw bytes with a content type.
    public static func bytes(_ body: [UInt8], contentType: String, status: Int = 200) -> Self {
        Self(status: status, headers: [("Content-Type", contentType)], body: body)
    }

    /// Plain text.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain") -> Self {
        Self(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A dropped connection.
    public static var dropped: Self {
        var response = Self()
        response.dropConnection = true
        return response
    }
}

/// A small real HTTP/1.1 server on 127.0.0.1 (a random free port unless one is given) answering through an async
/// handler: the local peer of the provider adapters' tests. Run it with `run()` in a task of the caller's (it
/// serves until that task is cancelled), or scoped with `withTestHTTPServer`.
public struct TestHTTPServer: Sendable {
    /// The handler of every request.
    public typealias Handler = @Sendable (TestHTTPRequest) async -> TestHTTPResponse

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// The port it listens on.
    public let port: Int
    let channel: NIOAsyncChannel<Connection, Never>
    let handler: Handler

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Binds a listening socket (port 0: a free one); `run()` serves it.
    public static func bind(host: String = "127.0.0.1", port: Int = 0, handler: @escaping Handler) async throws
        -> TestHTTPServer
    {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try Connection(wrappingChannelSynchronously: child)
                }
            }
        guard let bound = channel.channel.localAddress?.port else {
            throw TestHTTPServerError(message: "the test server has no local port")
        }
        return TestHTTPServer(port: bound, channel: channel, handler: handler)
    }

    /// Serves connections until the listening socket is closed (`close()`), then stops serving the connections still
    /// open. Every accepted connection is taken from the socket's queue, so none is dropped unconsumed (which NIO
    /// treats as a fatal error: "Deinited NIOAsyncWriter without calling finish()").
    public func run() async throws {
        let handler = self.handler
        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await Self.serve(connection, handler: handler) }
                }
            }
            group.cancelAll()
        }
    }

    /// Closes the listening socket: `run()` serves what was accepted, then returns.
    public func close() async {
        try? await channel.channel.close()
    }

    static func serve(_ connection: Connection, handler: Handler) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let head else { return }
                    let components = URLComponents(string: "http://localhost" + head.uri)
                    var query = [String: String]()
                    for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
                    var headers = [String: String]()
                    for (name, value) in head.headers { headers[name.lowercased()] = value }
                    let request = TestHTTPRequest(
                        method: head.method.rawValue, path: components?.path ?? head.uri, query: query,
                        headers: headers, body: Array(buffer: body))
                    let response = await handler(request)
                    if response.dropConnection { return }
                    var responseHeaders = HTTPHeaders(response.headers)
                    responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(response.body.count)")
                    let status = HTTPResponseStatus(statusCode: response.status)
                    try await outbound.write(
                        .head(HTTPResponseHead(version: .http1_1, status: status, headers: responseHeaders)))
                    if let delay = response.bodyDelay { try await Task.sleep(for: delay) }
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                    try await outbound.write(.end(nil))
                    if !head.isKeepAlive { return }
                }
            }
        }
    }
}

/// The test server could not start.
public struct TestHTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Runs `body` with a test server answering through `handler`; the server stops when `body` returns.
public func withTestHTTPServer<T: Sendable>(
    _ handler: @escaping TestHTTPServer.Handler, _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try await TestHTTPServer.bind(handler: handler)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            // Not cancelled: it ends when the socket is closed, so its queue of accepted connections is drained.
            try await server.run()
            return nil
        }
        do {
            let result = try await body(server)
            await server.close()
            try await group.waitForAll()
            return result
        } catch {
            await server.close()
            try? await group.waitForAll()
            throw error
        }
    }
}
