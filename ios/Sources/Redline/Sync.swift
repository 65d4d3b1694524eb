// Sync for Swift concurrency: a closure where the generated API wants a
// progress listener object, and task cancellation that reaches the sync.
//
// The generated `SyncSession.sync(listener:cancel:)` and
// `fetchPhoto(hash:cancel:)` are already `async`: the work runs on
// Redline's own runtime, never on the calling actor. But uniffi 0.32's Swift
// awaits the Rust future with a plain continuation, so cancelling the Swift
// task does not stop the Rust work; only a `CancellationToken` does. The
// wrappers here make one per call and cancel it from the task's
// cancellation handler, so SwiftUI's `.task { }` (cancelled when the view
// goes away) stops a sync as a SwiftUI developer expects.
//
// Compiled and tested on Linux with the generated sources by
// scripts/test-bindings.sh (bindings/tests/swift/Tests/RedlineTests/SyncTests.swift).

import Foundation

/// A `SyncProgressListener` that calls a closure.
public final class ClosureSyncProgressListener: SyncProgressListener {
    private let handler: @Sendable (SyncProgress) -> Void

    /// Calls `handler` after every round trip of a sync, on a background
    /// thread of the library; hop to the main actor inside to update a
    /// progress view.
    public init(_ handler: @escaping @Sendable (SyncProgress) -> Void) {
        self.handler = handler
    }

    public func onProgress(progress: SyncProgress) {
        handler(progress)
    }
}

extension SyncSession {
    /// Runs a full sync (see `sync(listener:cancel:)`), calling `progress`
    /// after every round trip. Cancelling the calling task cancels the
    /// sync: it ends with `RedlineError.Cancelled`, keeping what was already
    /// applied.
    ///
    ///     .task {
    ///         let result = try? await session.sync { p in
    ///             Task { @MainActor in model.progress = p }
    ///         }
    ///     }
    public func sync(progress: (@Sendable (SyncProgress) -> Void)?) async throws -> SyncResult {
        let listener = progress.map { ClosureSyncProgressListener($0) }
        return try await cancellingWithTask { token in
            try await self.sync(listener: listener, cancel: token)
        }
    }

    /// The full photo `hash` (see `fetchPhoto(hash:cancel:)`); cancelling
    /// the calling task cancels the download.
    public func fetchPhoto(_ hash: String) async throws -> Data {
        try await cancellingWithTask { token in
            try await self.fetchPhoto(hash: hash, cancel: token)
        }
    }
}

/// Runs `body` with a fresh token that the current task's cancellation
/// cancels (at once if the task is already cancelled).
private func cancellingWithTask<T>(_ body: (CancellationToken) async throws -> T) async throws -> T {
    let token = CancellationToken()
    return try await withTaskCancellationHandler {
        try await body(token)
    } onCancel: {
        token.cancel()
    }
}

extension RedlineStore {
    /// Takes a camera photo for an answer or finding with the default
    /// processing (2048 px, quality 80, watermark): see
    /// `capturePhoto(inspectionId:owner:cameraBytes:options:)`. The work runs
    /// on Redline's background pool; awaiting it never blocks the main actor.
    public func capturePhoto(inspectionId: String, owner: PhotoOwner, jpeg: Data,
                             location: GeoPoint? = nil) async throws -> PhotoRef {
        try await capturePhoto(inspectionId: inspectionId, owner: owner, cameraBytes: jpeg,
                               options: CaptureOptions(location: location))
    }

    /// Captures evidence photos for a hazard transition and makes the
    /// transition citing them, in that order: the photos are stored before
    /// the transition refers to them.
    ///
    ///     let hazard = try await store.transition(hazardId: id, action: .reportFix,
    ///                                             note: "已整改", evidenceJpegs: [jpeg])
    public func transition(hazardId: String, action: HazardAction, note: String = "",
                           evidenceJpegs: [Data]) async throws -> Hazard {
        var photos: [PhotoRef] = []
        for jpeg in evidenceJpegs {
            photos.append(try await captureEvidence(hazardId: hazardId, cameraBytes: jpeg, options: CaptureOptions()))
        }
        let cited = photos
        return try await perform { try $0.transitionWithPhotos(hazardId: hazardId, action: action, note: note, photos: cited) }
    }
}
