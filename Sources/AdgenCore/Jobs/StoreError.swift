/// A job store cannot do what was asked: the batch is not in it, it cannot be opened, or it was written by a newer
/// adgen. Every store implementation throws it, so front ends map one type (to an exit code, to an HTTP status).
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case noSuchBatch
        case unavailable
        case incompatible
        case inconsistent
    }

    private let code: Code
    /// What happened, naming the batch or the store; never a credential.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// No batch `id` in this store.
    public static func noSuchBatch(_ id: String) -> StoreError { .init(.noSuchBatch, "no batch \(id) in this store") }

    /// The store cannot be reached or opened (`what` says which and why).
    public static func unavailable(_ what: String) -> StoreError { .init(.unavailable, what) }

    /// The store holds something this adgen does not understand (written by a newer one).
    public static func incompatible(_ what: String) -> StoreError { .init(.incompatible, what) }

    /// The store contradicts itself (a row vanished inside a transaction).
    public static func inconsistent(_ what: String) -> StoreError { .init(.inconsistent, what) }

    /// Whether the batch asked for is not in the store.
    public var isNoSuchBatch: Bool { code == .noSuchBatch }
    /// Whether the store could not be reached or opened: trying again later may work.
    public var isUnavailable: Bool { code == .unavailable }

    public var description: String { message }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
}
