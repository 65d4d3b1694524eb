// Two phones and a real redline-server through the generated Swift
// bindings (and the iOS package's Sync.swift wrapper), with XCTest on
// Linux: async sync with progress and cancellation, photo capture with
// watermark, thumbnails and full photos, a conflict and its resolution, a
// hazard transition from the other phone reaching the first, observers
// fired by sync, the quarantine, typed errors.
//
// scripts/test-bindings.sh starts the server and passes its URL, the device
// ids and tokens it printed per demo user, and a CJK font in REDLINE_TEST_*
// variables. Each test opens its own phones (fresh stores for the server's
// devices), so the tests hold in any order.

import Foundation
import XCTest
@testable import Redline

let site = "nh-chem-01"
let siteName = "湘家荡精细化工仓储"
let chemicals = "hazardous_chemicals"

/// A variable the test script sets. Missing fails the test rather than
/// skipping it, so CI never passes without having synced.
struct MissingEnvironment: Error, CustomStringConvertible {
    let name: String
    var description: String { "\(name) is not set: run scripts/test-bindings.sh, which starts redline-server" }
}

func env(_ name: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name] else { throw MissingEnvironment(name: name) }
    return value
}

/// A phone of a demo user: a store with the server's device id, and its session.
struct Phone {
    let store: RedlineStore
    let session: SyncSession

    init(_ user: String, _ name: String, _ role: Role) throws {
        let prefix = "REDLINE_TEST_" + user.uppercased().replacingOccurrences(of: "-", with: "_")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redline-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try RedlineStore.open(path: dir.appendingPathComponent("phone.db").path, identity: Identity(
            userId: user, name: name, role: role, deviceId: try env("\(prefix)_DEVICE")))
        session = try SyncSession(store: store, serverUrl: try env("REDLINE_TEST_SERVER"), token: try env("\(prefix)_TOKEN"))
        store.setWatermarkFont(font: try WatermarkFont.fromFile(path: try env("REDLINE_TEST_FONT")))
    }
}

/// Remembers progress updates from the library's threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [SyncProgress] = []
    var updates: [SyncProgress] { lock.lock(); defer { lock.unlock() }; return seen }
    func add(_ p: SyncProgress) { lock.lock(); seen.append(p); lock.unlock() }
}

func isJpeg(_ data: Data) -> Bool { data.starts(with: [0xFF, 0xD8]) }

/// Awaits `body` and asserts it throws the `RedlineError` case `matches` accepts.
func assertThrowsRedline(_ body: () async throws -> Any, _ matches: (RedlineError) -> Bool,
                         file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await body()
        XCTFail("nothing was thrown", file: file, line: line)
    } catch let error as RedlineError {
        XCTAssertTrue(matches(error), "unexpected \(error)", file: file, line: line)
    } catch {
        XCTFail("not a RedlineError: \(error)", file: file, line: line)
    }
}

final class SyncTests: XCTestCase {
    func testTwoPhonesShareAnInspectionPhotosAndAHazard() async throws {
        let a = try Phone("inspector-zhang", "张检查员", .inspector)
        let b = try Phone("supervisor-li", "李主任", .supervisor)
        let log = ProgressLog()
        let first = try await a.session.sync { log.add($0) }
        XCTAssertFalse(log.updates.isEmpty, "the progress closure never ran")
        XCTAssertEqual(log.updates.last?.roundTrips, first.roundTrips)
        XCTAssertEqual(try a.store.site(siteId: site).name, siteName)
        _ = try await b.session.sync()

        // A inspects with a photo and uploads.
        let id = try a.store.startInspection(siteId: site, kind: .routinePatrol, templateId: chemicals).id
        try a.store.answer(inspectionId: id, itemId: "H26", value: .number(value: 5))
        try a.store.answer(inspectionId: id, itemId: "H21", value: .fail, note: "防爆电器损坏")
        for item in try a.store.summary(inspectionId: id).unanswered {
            try a.store.answer(inspectionId: id, itemId: item, value: .pass)
        }
        let finding = try a.store.addFinding(inspectionId: id, finding: NewFinding(
            itemId: "H21", description: "仓库防爆灯具外壳破损", grade: .general, deadline: chinaDay(10), responsible: "王经理"))
        // A file that cannot be used says why.
        await assertThrowsRedline({
            try await a.store.capturePhoto(inspectionId: id, owner: .finding(findingId: finding),
                                           cameraBytes: Data("not a photo".utf8), options: CaptureOptions())
        }) { if case let .InvalidInput(_, photo) = $0 { photo == .notAnImage } else { false } }
        let camera = try debugSampleJpeg(width: 64, height: 48)
        await assertThrowsRedline({
            try await a.store.capturePhoto(inspectionId: id, owner: .finding(findingId: finding),
                                           cameraBytes: camera.prefix(camera.count / 2), options: CaptureOptions())
        }) { if case let .InvalidInput(_, photo) = $0 { photo == .truncated } else { false } }
        let photo = try await a.store.capturePhoto(inspectionId: id, owner: .finding(findingId: finding),
                                                   cameraBytes: try debugSampleJpeg(width: 1600, height: 1200),
                                                   options: CaptureOptions(maxEdge: 800))
        XCTAssertEqual([photo.width, photo.height], [800, 600])
        XCTAssertEqual(Set(try a.store.blobsToUpload()), Set([photo.hash, photo.thumbHash!]))
        let uploaded = try await a.session.sync { log.add($0) }
        XCTAssertEqual(uploaded.blobsUploaded, 2)
        XCTAssertTrue(uploaded.accepted.contains(id))
        XCTAssertEqual(try a.store.blobsToUpload(), [])

        // B sees it with the thumbnail, and fetches the full photo.
        let received = try await b.session.sync()
        XCTAssertTrue(received.changed.contains(id))
        XCTAssertEqual(try b.store.inspection(inspectionId: id).photos, [photo])
        XCTAssertTrue(isJpeg(try b.store.blob(hash: photo.thumbHash!)))
        await assertThrowsRedline({ try b.store.blob(hash: photo.hash) }) { if case .NotFound = $0 { true } else { false } }
        let full = try await b.session.fetchPhoto(photo.hash)
        XCTAssertEqual(full, try a.store.blob(hash: photo.hash))

        // Both answer H22 at once: a conflict on both phones, resolved on A.
        try a.store.answer(inspectionId: id, itemId: "H22", value: .pass, note: "张：已核对")
        try b.store.answer(inspectionId: id, itemId: "H22", value: .pass, note: "李：已核对")
        _ = try await a.session.sync()
        _ = try await b.session.sync()
        _ = try await a.session.sync()
        let conflict = try XCTUnwrap(try a.store.inspection(inspectionId: id).conflicts.first)
        XCTAssertEqual(conflict.path, "answers/H22")
        XCTAssertEqual(try b.store.inspection(inspectionId: id).conflicts.map(\.path), ["answers/H22"])
        let mine = try XCTUnwrap(conflict.values.first { $0.by?.userId == "inspector-zhang" })
        try a.store.resolveConflict(inspectionId: id, path: conflict.path, chosen: mine.value)
        let resolved = try await a.session.sync()
        XCTAssertTrue(resolved.accepted.contains(id))
        _ = try await b.session.sync()
        XCTAssertEqual(try b.store.inspection(inspectionId: id).conflicts, [])
        XCTAssertEqual(try b.store.inspection(inspectionId: id).answers["H22"]?.note, "张：已核对")

        // A submits; B reports the fix with captured evidence; A hears of it.
        // (In async code Swift picks the iOS package's awaited overloads.)
        let hazards = try await a.store.submit(inspectionId: id)
        XCTAssertEqual(hazards, [finding])
        _ = try await a.session.sync()
        let registered = try await b.session.sync()
        XCTAssertTrue(registered.changed.contains(finding))
        let fixed = try await b.store.transition(hazardId: finding, action: .reportFix, note: "灯具已更换",
                                                 evidenceJpegs: [try debugSampleJpeg(width: 640, height: 480)])
        XCTAssertEqual(fixed.status.state, .fixReported)
        let reported = try await b.session.sync()
        XCTAssertEqual(reported.blobsUploaded, 2)
        let screen = Recorder()
        let handle = a.store.subscribe(listener: screen)
        let heard = try await a.session.sync()
        handle.unsubscribe()
        XCTAssertTrue(heard.changed.contains(finding))
        XCTAssertTrue(screen.changes.contains { $0.hazards.contains(finding) }, "the observer did not hear about the sync")
        let seen = try a.store.hazard(hazardId: finding)
        XCTAssertEqual(seen.status.state, .fixReported)
        XCTAssertEqual(seen.transitions.last?.by.userId, "supervisor-li")
        let evidence = try XCTUnwrap(seen.photos.first { $0.owner != .finding(findingId: finding) })
        XCTAssertTrue(isJpeg(try a.store.blob(hash: evidence.thumbHash!)))
        let closed = try await a.store.transition(hazardId: finding, action: .recheck(accepted: true), note: "复查合格")
        XCTAssertEqual(closed.status.state, .closed)

        // Room on the phone: the uploaded photo goes, and comes back on demand.
        XCTAssertGreaterThanOrEqual(try a.store.evictPhotos(budgetBytes: 0), 1)
        await assertThrowsRedline({ try a.store.blob(hash: photo.hash) }) { if case .NotFound = $0 { true } else { false } }
        let back = try await a.session.fetchPhoto(hash: photo.hash)
        XCTAssertEqual(back, full)
    }

    func testARefusedUploadIsQuarantined() async throws {
        // Chen's scope is the qx community; nh-chem-01 lies in xjd. The
        // server refuses and says only "not found".
        let chen = try Phone("assistant-chen", "陈安全员", .communityAssistant)
        let inspector = try Phone("inspector-zhang", "张检查员", .inspector)
        _ = try await inspector.session.sync()
        _ = try await chen.session.sync()
        try chen.store.putSites(sites: [try inspector.store.site(siteId: site)])
        let id = try chen.store.startInspection(siteId: site, kind: .selfInspection, templateId: chemicals).id
        let result = try await chen.session.sync()
        XCTAssertEqual(result.rejected, [RejectedUpload(docId: id, reason: "not found")])
        let kept = try XCTUnwrap(try chen.store.quarantine().first)
        XCTAssertEqual(kept.docId, id)
        XCTAssertEqual(kept.kind, .inspection)
        XCTAssertEqual(UInt64(try chen.store.exportQuarantined(id: kept.id).count), kept.size)
        await assertThrowsRedline({ try chen.store.exportQuarantined(id: kept.id + 1000) }) {
            if case .NotFound = $0 { true } else { false }
        }
        await assertThrowsRedline({ try chen.store.inspection(inspectionId: id) }) {
            if case .NotFound = $0 { true } else { false }
        }
    }

    func testSyncErrorsAreTypedAndCancellationStopsASync() async throws {
        let a = try Phone("inspector-zhang", "张检查员", .inspector)
        await assertThrowsRedline({ try SyncSession(store: a.store, serverUrl: "ftp://example.org", token: "t") }) {
            if case .InvalidInput = $0 { true } else { false }
        }
        let early = CancellationToken()
        early.cancel()
        await assertThrowsRedline({ try await a.session.sync(cancel: early) }) {
            if case .Cancelled = $0 { true } else { false }
        }
        let stranger = try SyncSession(store: a.store, serverUrl: try env("REDLINE_TEST_SERVER"), token: String(repeating: "0", count: 64))
        await assertThrowsRedline({ try await stranger.sync() }) { if case .NotAllowed = $0 { true } else { false } }

        // Nothing listens on port 1: the client retries with backoff (~3 s),
        // then reports a retryable network error. Meanwhile a task syncing a
        // second phone with the dead server is cancelled: the wrapper turns
        // the task's cancellation into the sync's.
        let dead = "http://127.0.0.1:1"
        let offline = try Phone("supervisor-li", "李主任", .supervisor)
        let failing = Task { () -> Error? in
            do { _ = try await SyncSession(store: offline.store, serverUrl: dead, token: "t").sync(); return nil }
            catch { return error }
        }
        let waiting = Task { () -> Error? in
            do { _ = try await SyncSession(store: a.store, serverUrl: dead, token: "t").sync(progress: nil); return nil }
            catch { return error }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelledAt = Date()
        waiting.cancel()
        let stopped = await waiting.value
        guard case .some(.Cancelled) = stopped as? RedlineError else { return XCTFail("not cancelled: \(String(describing: stopped))") }
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 2)
        let offlineError = await failing.value
        guard case let .some(.Network(_, retryable)) = offlineError as? RedlineError else {
            return XCTFail("no network error: \(String(describing: offlineError))")
        }
        XCTAssertTrue(retryable)
    }
}
