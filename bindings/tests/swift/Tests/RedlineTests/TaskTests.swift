// Plan tasks through the generated Swift bindings with XCTest on Linux,
// against the demo server: community assistant Wang's phone carries only
// the tasks of Wang's community (the festival campaign at the fireworks
// retail point and a look-back), with site name, address and coordinates;
// an inspection started from a task is linked to it and submitting it does
// the task, on the phone at once and on the server after sync; bad input
// is a typed error.

import Foundation
import XCTest
@testable import Redline

let festivalSite = "nh-fw-02"

/// An answer that passes an item of this type.
func passing(_ type: AnswerType) -> AnswerValue {
    switch type {
    case let .number(_, min, max): return .number(value: min ?? max ?? 0)
    case .date: return .date(value: chinaDay(365))
    case let .choice(options, _): return .choice(options: [options.first { !$0.fails }!.id])
    case .text: return .text(value: "已核查")
    case .passFail: return .pass
    }
}

final class TaskTests: XCTestCase {
    func testTasksReachTheOwnCommunityAndASubmissionDoesThem() async throws {
        let wang = try Phone("assistant-wang", "王安全员", .communityAssistant)
        XCTAssertEqual(try wang.store.tasksToday(), [])
        let first = try await wang.session.sync()
        XCTAssertTrue(first.tasksUpdated)
        let today = try wang.store.tasksToday()
        XCTAssertEqual(Set(today.map(\.siteId)), [festivalSite, "nh-chem-01"])
        let task = try XCTUnwrap(today.first { $0.siteId == festivalSite })
        XCTAssertEqual(task.siteName, "湘家荡烟花爆竹经营部")
        XCTAssertEqual(task.state, .due)
        XCTAssertEqual(task.kind, .selfInspection)
        XCTAssertNotNil(task.siteLocation)
        let all = try wang.store.tasksToday() + wang.store.tasksOverdue() + wang.store.tasksUpcoming() + wang.store.tasksDone()
        XCTAssertFalse(all.contains { $0.siteId == "nh-fw-01" }, "Qixing's task on Wang's phone")

        let inspection = try wang.store.startTask(taskId: task.taskId)
        XCTAssertEqual(inspection.header.taskId, task.taskId)
        let items = Dictionary(uniqueKeysWithValues: try wang.store.templateItems(templateId: task.templateId)
            .sections.flatMap(\.items).map { ($0.id, $0) })
        for _ in 0..<3 {
            for item in try wang.store.summary(inspectionId: inspection.id).unanswered {
                try wang.store.answer(inspectionId: inspection.id, itemId: item, value: passing(items[item]!.answerType))
            }
        }
        _ = try await wang.store.submit(inspectionId: inspection.id)
        XCTAssertFalse(try wang.store.tasksToday().contains { $0.siteId == festivalSite })
        XCTAssertEqual(try wang.store.tasksDone().map(\.doneBy), [inspection.id])
        let second = try await wang.session.sync()
        XCTAssertTrue(second.accepted.contains(inspection.id))
    }

    func testBadTaskInputIsATypedError() async throws {
        let wang = try Phone("assistant-wang", "王安全员", .communityAssistant)
        await assertThrowsRedline({ try wang.store.startTask(taskId: "task-that-does-not-exist") }) {
            if case .NotFound = $0 { true } else { false }
        }
        await assertThrowsRedline({ try wang.store.tasksToday(today: "2027-13-01") }) {
            if case .InvalidInput = $0 { true } else { false }
        }
    }
}
