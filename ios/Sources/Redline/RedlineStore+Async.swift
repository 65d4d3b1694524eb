// Async/await over Redline's blocking calls, and change notifications as an
// AsyncSequence.
//
// Every generated `RedlineStore` method is synchronous: it reads or writes
// SQLite and returns when the work is durable (milliseconds, more for a big
// photo or a full list). SwiftUI code awaits instead of blocking the main
// actor, so this file runs the calls on a background queue and resumes the
// caller with the result. The sync API stays available for code that is
// already off the main thread.

import Dispatch
import Foundation

/// Where awaited Redline calls run: a concurrent queue, because the store is
/// thread-safe and serialises its own writes.
private let redlineQueue = DispatchQueue(label: "org.redline.store", qos: .userInitiated, attributes: .concurrent)

/// Runs a blocking Redline call off the caller's thread and returns its
/// result (or rethrows its `RedlineError`).
public func redlineCall<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        redlineQueue.async {
            continuation.resume(with: Result { try body() })
        }
    }
}

extension RedlineStore {
    /// Opens a store off the main thread (opening may migrate the database).
    public static func open(path: String, identity: Identity) async throws -> RedlineStore {
        try await redlineCall { try RedlineStore.open(path: path, identity: identity) }
    }

    /// Opens an encrypted store off the main thread with the app's 32-byte
    /// key from the Keychain (the first open of a store in clear encrypts
    /// it, photos included, which takes a while). See ios/README.md.
    public static func openEncrypted(path: String, identity: Identity, key: Data) async throws -> RedlineStore {
        try await redlineCall { try RedlineStore.openEncrypted(path: path, identity: identity, key: key) }
    }

    /// Runs any store call off the caller's thread:
    /// `let rows = try await store.perform { try $0.inspections(query: q) }`.
    public func perform<T>(_ body: @escaping @Sendable (RedlineStore) throws -> T) async throws -> T {
        try await redlineCall { try body(self) }
    }

    /// Submits the inspection; returns the ids of the hazards registered.
    public func submit(inspectionId: String) async throws -> [String] {
        try await perform { try $0.submit(inspectionId: inspectionId) }
    }

    /// Stores the photo durably and attaches it (photos are megabytes: never
    /// on the main actor).
    public func attachPhoto(inspectionId: String, owner: PhotoOwner, bytes: Data, meta: PhotoMeta) async throws -> PhotoRef {
        try await perform { try $0.attachPhoto(inspectionId: inspectionId, owner: owner, bytes: bytes, meta: meta) }
    }

    /// Makes a hazard transition with its evidence photos.
    public func transition(hazardId: String, action: HazardAction, note: String = "", evidence: [Data] = []) async throws -> Hazard {
        try await perform { try $0.transition(hazardId: hazardId, action: action, note: note, evidence: evidence) }
    }

    /// Inspections for a list screen.
    public func inspections(query: InspectionQuery) async throws -> [InspectionListItem] {
        try await perform { try $0.inspections(query: query) }
    }

    /// Hazards for a list screen; `today` (YYYY-MM-DD) decides what is
    /// overdue, absent means today in China.
    public func hazards(query: HazardQuery, today: String? = nil) async throws -> [HazardListItem] {
        try await perform { try $0.hazards(query: query, today: today) }
    }

    /// Full-text search.
    public func search(text: String, limit: UInt32 = 50) async throws -> [SearchHit] {
        try await perform { try $0.search(text: text, limit: limit) }
    }

    /// Every committed change, as an async sequence a screen iterates to
    /// refresh itself:
    ///
    ///     for await change in store.changes() where change.inspections.contains(id) {
    ///         reload()
    ///     }
    ///
    /// Notifications stop when the iterating task ends or is cancelled. If the
    /// consumer falls behind, the oldest undelivered changes are dropped
    /// (a screen only needs to know that it must reload).
    public func changes(bufferingNewest limit: Int = 64) -> AsyncStream<StoreChange> {
        AsyncStream(bufferingPolicy: .bufferingNewest(limit)) { continuation in
            let handle = self.subscribe(listener: ChangeRelay(continuation))
            // Holding the handle here keeps the registration alive exactly as
            // long as the stream; ending the stream releases both.
            continuation.onTermination = { _ in handle.unsubscribe() }
        }
    }
}

/// Forwards store changes into an `AsyncStream`.
private final class ChangeRelay: StoreListener {
    private let continuation: AsyncStream<StoreChange>.Continuation

    init(_ continuation: AsyncStream<StoreChange>.Continuation) {
        self.continuation = continuation
    }

    func onChange(change: StoreChange) {
        continuation.yield(change)
    }
}
