// Closures where the generated API wants protocol objects: a store listener
// and a log sink. UIKit code usually has a closure at hand, not a class to
// conform; these small adapters save writing one per screen.

import Foundation

/// A `StoreListener` that calls a closure.
public final class ClosureStoreListener: StoreListener {
    private let handler: @Sendable (StoreChange) -> Void

    /// Calls `handler` for every committed change, on the thread that made
    /// it; hop to the main actor inside if the UI needs it.
    public init(_ handler: @escaping @Sendable (StoreChange) -> Void) {
        self.handler = handler
    }

    public func onChange(change: StoreChange) {
        handler(change)
    }
}

extension RedlineStore {
    /// Calls `handler` for every committed change while the returned handle
    /// is kept:
    ///
    ///     self.observer = store.subscribe { change in
    ///         DispatchQueue.main.async { self.reload(change) }
    ///     }
    public func subscribe(_ handler: @escaping @Sendable (StoreChange) -> Void) -> ObserverHandle {
        subscribe(listener: ClosureStoreListener(handler))
    }
}

/// A `LogSink` that calls a closure.
public final class ClosureLogSink: LogSink {
    private let handler: @Sendable (LogLevel, String, String) -> Void

    /// Calls `handler` with the level, the part of Redline that logged and
    /// the message; called on any thread.
    public init(_ handler: @escaping @Sendable (LogLevel, String, String) -> Void) {
        self.handler = handler
    }

    public func log(level: LogLevel, target: String, message: String) {
        handler(level, target, message)
    }
}

/// Sends Redline's log lines at `maxLevel` and above to `handler`, e.g.
///
///     setRedlineLogHandler(maxLevel: .info) { level, target, message in
///         logger.log(level: level == .error ? .error : .info, "\(target): \(message)")
///     }
public func setRedlineLogHandler(maxLevel: LogLevel = .info, _ handler: @escaping @Sendable (LogLevel, String, String) -> Void) {
    setLogSink(sink: ClosureLogSink(handler), maxLevel: maxLevel)
}
