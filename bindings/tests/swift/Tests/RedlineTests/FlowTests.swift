// A field inspector's day through the generated Swift bindings (and the
// idiomatic wrapper of the iOS package), run with XCTest on Linux against
// the real libredline_ffi.so. Each test opens its own store so the tests
// hold in any order; `Day` walks the shared first steps.

import Foundation
import XCTest
@testable import Redline

let template = "special_equipment"

/// `YYYY-MM-DD` in China time, `days` from today (the core counts days in
/// China time).
func chinaDay(_ days: Int = 0) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
}

func inspector(_ user: String = "inspector-zhang", _ name: String = "张检查员") -> Identity {
    Identity(userId: user, name: name, role: .inspector, deviceId: UUID().uuidString)
}

/// A screen that remembers which changes it was told about.
final class Recorder: StoreListener, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [StoreChange] = []
    var changes: [StoreChange] { lock.lock(); defer { lock.unlock() }; return seen }
    func onChange(change: StoreChange) { lock.lock(); seen.append(change); lock.unlock() }
}

/// Asserts that `body` throws the `RedlineError` case `matches` accepts;
/// returns the error's detail.
@discardableResult
func assertRedline(_ body: @autoclosure () throws -> Any, _ matches: (RedlineError) -> Bool,
                   file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try body()
        XCTFail("nothing was thrown", file: file, line: line)
    } catch let error as RedlineError {
        XCTAssertTrue(matches(error), "unexpected \(error)", file: file, line: line)
        return "\(error)"
    } catch {
        XCTFail("not a RedlineError: \(error)", file: file, line: line)
    }
    return ""
}

/// The first steps of the day: a store with two sites and an inspection of
/// the boiler house, answered with one failure.
struct Day {
    let dir: URL
    let store: RedlineStore
    let id: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("redline-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try RedlineStore.open(path: dir.appendingPathComponent("phone.db").path, identity: inspector())
        try store.putSites(sites: [
            Site(id: "site-boiler", name: "西湖热力锅炉房", address: "杭州市西湖区文三路 1 号", area: "zj/hz/xh/c01",
                 categories: [.specialEquipment], location: GeoPoint(lat: 30.27, lon: 120.15), contactName: "王经理"),
            Site(id: "site-chem", name: "转塘化工仓储公司", address: "杭州市西湖区转塘街道 88 号", area: "zj/hz/xh/zt",
                 categories: [.hazardousChemicals]),
        ])
        id = try store.startInspection(siteId: "site-boiler", kind: .specialCampaign, templateId: template).id
    }

    func answerAll() throws {
        try store.answer(inspectionId: id, itemId: "S00", value: .choice(options: ["elevator", "boiler"]))
        try store.answer(inspectionId: id, itemId: "S03d", value: .date(value: "2030-06-30"), note: "见检验报告")
        try store.answer(inspectionId: id, itemId: "S11r", value: .number(value: 0.8))
        try store.answer(inspectionId: id, itemId: "S02", value: .fail, note: "登记标志未张贴")
        try store.answer(inspectionId: id, itemId: "S05", value: .notApplicable)
        for item in try store.summary(inspectionId: id).unanswered {
            try store.answer(inspectionId: id, itemId: item, value: .pass)
        }
    }

    /// Records the finding for the failed item with a photo; returns its id.
    func recordFinding() throws -> String {
        let finding = try store.addFinding(inspectionId: id, finding: NewFinding(
            itemId: "S02", description: "电梯使用登记标志未张贴", grade: .general, deadline: chinaDay(10), responsible: "王经理"))
        _ = try store.attachPhoto(inspectionId: id, owner: .finding(findingId: finding),
                                  bytes: Data("JPEG bytes".utf8), meta: PhotoMeta(width: 4000, height: 3000))
        return finding
    }
}

final class FlowTests: XCTestCase {
    func testVersionInfo() {
        let v = versionInfo()
        XCTAssertEqual(v.library, "0.1.0")
        XCTAssertGreaterThanOrEqual(v.schema, 1)
        XCTAssertEqual(v.protocol, 1)
    }

    func testChecklistHasWhatTheAnswerScreenNeeds() throws {
        let day = try Day()
        XCTAssertTrue(try day.store.templates().contains { $0.id == template })
        let checklist = try day.store.templateItems(templateId: template)
        let items = Dictionary(uniqueKeysWithValues: checklist.sections.flatMap(\.items).map { ($0.id, $0) })
        guard case let .choice(options, multiple) = items["S00"]!.answerType else { return XCTFail("S00") }
        XCTAssertTrue(multiple && options.contains { $0.id == "boiler" })
        XCTAssertEqual(items["S03d"]!.answerType, .date(expiry: true))
        guard case let .number(unit, _, _) = items["S11r"]!.answerType else { return XCTFail("S11r") }
        XCTAssertEqual(unit, "MPa")
        XCTAssertEqual(items["S01"]!.majorHazard, .probable)
        XCTAssertEqual(checklist.sections.first { $0.id == "boiler" }?.showIf, ShowIf(itemId: "S00", anyOf: ["boiler"]))
        XCTAssertEqual(try day.store.sites(text: "化工", limit: 10).map(\.id), ["site-chem"])
    }

    func testAnswersOfEveryTypeAndTypedErrors() throws {
        let day = try Day()
        try day.answerAll()
        let answers = try day.store.inspection(inspectionId: day.id).answers
        XCTAssertEqual(answers["S00"]?.value, .choice(options: ["elevator", "boiler"]))
        XCTAssertEqual(answers["S03d"]?.value, .date(value: "2030-06-30"))
        XCTAssertEqual(answers["S11r"]?.value, .number(value: 0.8))
        XCTAssertEqual(try day.store.summary(inspectionId: day.id).outcome, .hazardsFound)

        let s = day.store, id = day.id
        assertRedline(try s.answer(inspectionId: id, itemId: "S99", value: .pass)) {
            if case .NotFound = $0 { return true } else { return false }
        }
        let text = assertRedline(try s.answer(inspectionId: id, itemId: "S06", value: .text(value: "有专人管理"))) {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        XCTAssertTrue(text.contains("text"), text)
        assertRedline(try s.answer(inspectionId: id, itemId: "S03d", value: .date(value: "2030-13-01"))) {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        assertRedline(try s.submit(inspectionId: id)) { if case .InvalidInput = $0 { return true } else { return false } }
    }

    func testFindingPhotoSubmitAndHazardLifecycle() throws {
        let day = try Day()
        try day.answerAll()
        let finding = try day.recordFinding()
        try day.store.sign(inspectionId: day.id, signerName: "王经理", role: .enterprise, image: Data("strokes".utf8))
        let photo = try day.store.inspection(inspectionId: day.id).photos[0]
        XCTAssertEqual(try day.store.blob(hash: photo.hash), Data("JPEG bytes".utf8))

        let hazards = try day.store.submit(inspectionId: day.id)
        XCTAssertEqual(hazards, [finding])
        assertRedline(try day.store.answer(inspectionId: day.id, itemId: "S06", value: .fail)) {
            if case .NotAllowed = $0 { return true } else { return false }
        }
        let hid = hazards[0]
        XCTAssertEqual(try day.store.hazard(hazardId: hid).status.state, .ordered)
        assertRedline(try day.store.transition(hazardId: hid, action: .listForSupervision(level: .county))) {
            if case .NotAllowed = $0 { return true } else { return false }
        }
        let fixed = try day.store.transition(hazardId: hid, action: .reportFix, note: "登记标志已张贴",
                                             evidence: [Data("after 1".utf8), Data("after 2".utf8)])
        XCTAssertEqual(fixed.status.state, .fixReported)
        XCTAssertEqual(try day.store.blob(hash: fixed.transitions.last!.evidence[1]), Data("after 2".utf8))
        let closed = try day.store.transition(hazardId: hid, action: .recheck(accepted: true), note: "复查合格")
        XCTAssertEqual(closed.status.state, .closed)
        XCTAssertFalse(closed.status.isOpen)

        try day.store.amendAnswer(inspectionId: day.id, itemId: "S11r", value: .number(value: 0.9), reason: "复核读数")
        XCTAssertEqual(try day.store.inspection(inspectionId: day.id).amendments.map(\.reason), ["复核读数"])
    }

    func testDocumentsRenderOfflineAsPDF() throws {
        let day = try Day()
        try day.answerAll()
        _ = try day.recordFinding()
        let hid = try day.store.submit(inspectionId: day.id)[0]
        let path = ProcessInfo.processInfo.environment["REDLINE_TEST_FONT"] ?? "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
        let font = try ReportFont.fromFile(path: path)
        let record = try day.store.renderDocument(id: day.id, document: .inspectionRecord, office: "西湖区应急管理局", language: .chinese, font: font)
        XCTAssertEqual(String(decoding: record.prefix(4), as: UTF8.self), "%PDF")
        let order = try day.store.renderDocument(id: hid, document: .rectificationOrder, office: "西湖区应急管理局", language: .english, font: font)
        XCTAssertTrue(order.starts(with: Array("%PDF".utf8)) && order.count < 1_500_000)
        _ = assertRedline(try day.store.renderDocument(id: day.id, document: .recheckOpinion, office: "x", language: .chinese, font: font)) {
            if case .NotAllowed = $0 { return true } else { return false }
        }
        _ = assertRedline(try day.store.renderDocument(id: day.id, document: .inspectionRecord, office: "x", language: .chinese)) {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        _ = assertRedline(try ReportFont.fromBytes(bytes: Data("not a font".utf8))) {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        _ = assertRedline(try day.store.renderDocument(id: UUID().uuidString, document: .inspectionRecord, office: "x", language: .chinese, font: font)) {
            if case .NotFound = $0 { return true } else { return false }
        }
    }

    func testListsAndSearch() throws {
        let day = try Day()
        try day.answerAll()
        _ = try day.recordFinding()
        let hid = try day.store.submit(inspectionId: day.id)[0]
        let mine = try day.store.inspections(query: InspectionQuery(status: .submitted, participant: "inspector-zhang"))
        XCTAssertEqual(mine.map(\.id), [day.id])
        XCTAssertEqual(mine.first?.outcome, .hazardsFound)
        XCTAssertEqual(try day.store.hazards(query: HazardQuery(openOnly: true)).map(\.id), [hid])
        XCTAssertEqual(try day.store.hazards(query: HazardQuery(overdueOnly: true), today: chinaDay(30)).map(\.id), [hid])
        let hits = try day.store.search(text: "登记标志", limit: 10)
        XCTAssertTrue(hits.contains { $0.docId == hid && $0.kind == .hazard })
        XCTAssertTrue(hits.contains { $0.docId == day.id && $0.kind == .inspection })
        XCTAssertNoThrow(try day.store.checkIntegrity())
    }

    func testObserverStopsWhenItsHandleIsReleased() throws {
        let day = try Day()
        let screen = Recorder()
        var handle: ObserverHandle? = day.store.subscribe(listener: screen)
        try day.store.answer(inspectionId: day.id, itemId: "S06", value: .pass)
        XCTAssertEqual(screen.changes.map(\.inspections), [[day.id]])
        XCTAssertTrue(handle!.isActive())
        handle = nil
        try day.store.answer(inspectionId: day.id, itemId: "S06", value: .pass)
        XCTAssertEqual(screen.changes.count, 1)

        let other = Recorder()
        let closure = day.store.subscribe { other.onChange(change: $0) }
        try day.store.answer(inspectionId: day.id, itemId: "S07", value: .pass)
        closure.unsubscribe()
        try day.store.answer(inspectionId: day.id, itemId: "S07", value: .pass)
        XCTAssertEqual(other.changes.count, 1)
    }

    func testChangesAsAsyncSequence() async throws {
        let day = try Day()
        let store = day.store, id = day.id
        // The stream registers its listener as it is made, so a change made
        // before the first `next()` is buffered, not lost.
        var changes = store.changes().makeAsyncIterator()
        try store.answer(inspectionId: id, itemId: "S06", value: .pass)
        let change = await changes.next()
        XCTAssertEqual(change?.inspections, [id])

        // Cancelling the iterating task ends the sequence (and unsubscribes).
        let screen = Task { () -> Int in
            var seen = 0
            for await _ in store.changes() { seen += 1 }
            return seen
        }
        try await Task.sleep(nanoseconds: 50_000_000)
        screen.cancel()
        _ = await screen.value
    }

    func testAwaitedCalls() async throws {
        let day = try Day()
        try day.answerAll()
        _ = try day.recordFinding()
        let opened = try await RedlineStore.open(path: day.dir.appendingPathComponent("other.db").path, identity: inspector())
        XCTAssertFalse(try opened.templates().isEmpty)
        let hazards = try await day.store.submit(inspectionId: day.id)
        let closed = try await day.store.transition(hazardId: hazards[0], action: .reportFix, evidence: [Data("after".utf8)])
        XCTAssertEqual(closed.status.state, .fixReported)
        let rows = try await day.store.perform { try $0.hazards(query: HazardQuery()) }
        XCTAssertEqual(rows.map(\.id), hazards)
        do {
            _ = try await day.store.submit(inspectionId: day.id)
            XCTFail("submitted twice")
        } catch RedlineError.NotAllowed(let detail) {
            XCTAssertFalse(detail.isEmpty)
        }
    }

    func testAPanicComesBackAsInternalAndTheStoreSurvives() throws {
        let day = try Day()
        let detail = assertRedline(try day.store.debugPanic(message: "probe from swift")) {
            if case .Internal = $0 { return true } else { return false }
        }
        XCTAssertTrue(detail.contains("probe from swift"), detail)
        XCTAssertFalse(try day.store.templates().isEmpty)
    }

    func testLogHandlerReceivesLines() throws {
        let day = try Day()
        let lines = Recorder() // reuse its lock-protected list by logging targets as changes
        setRedlineLogHandler(maxLevel: .debug) { level, target, _ in
            if level == .debug { lines.onChange(change: StoreChange(inspections: [target], hazards: [])) }
        }
        defer { clearLogSink() }
        assertRedline(try day.store.hazard(hazardId: UUID().uuidString)) {
            if case .NotFound = $0 { return true } else { return false }
        }
        XCTAssertTrue(lines.changes.contains { $0.inspections == ["redline_ffi::hazard"] })
    }

    func testCoInspectorJoinsByIdAndHeader() throws {
        let day = try Day()
        let header = try day.store.inspection(inspectionId: day.id).header
        let colleague = try RedlineStore.open(path: day.dir.appendingPathComponent("li.db").path,
                                              identity: inspector("inspector-li", "李检查员"))
        XCTAssertEqual(try colleague.joinInspection(inspectionId: day.id, header: header).header, header)
    }
}
