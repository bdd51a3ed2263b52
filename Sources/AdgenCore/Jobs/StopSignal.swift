import Synchronization

/// How a long-running process asks its batch runs to stop (SIGTERM): first `drain` — start nothing new and let the
/// generations in flight finish — then, when the grace period is over, `stop`: cancel what is still running and give
/// it back to the queue, attempt not counted. A run that stops this way ends `.stopped`; the batch keeps its state,
/// so the next process (or this one, restarted) picks it up.
public final class StopSignal: Sendable {
    /// Where the process is.
    public enum Level: Int, Sendable, Comparable {
        case running, draining, stopping

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let state = Mutex(Level.running)

    /// A signal that is running.
    public init() {}

    /// The current level.
    public var level: Level { state.withLock { $0 } }

    /// Start nothing new; let what is in flight finish.
    public func drain() { state.withLock { $0 = max($0, .draining) } }

    /// Cancel what is in flight and give it back.
    public func stop() { state.withLock { $0 = .stopping } }
}
