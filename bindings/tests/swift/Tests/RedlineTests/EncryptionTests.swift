// The encrypted store through the generated Swift bindings with XCTest on
// Linux: the app's key as Data (on iOS, kept in the Keychain: see
// ios/README.md), nothing of an inspection readable in any file, the wrong
// key and a missing key are RedlineError.WrongKey and change nothing,
// rekey moves the store to a new key, a store in clear is encrypted on its
// first open with a key.

import Foundation
import XCTest
@testable import Redline

private let mark = "swift-secret-note-marker"

private func randomKey() -> Data {
    Data((0..<32).map { _ in UInt8.random(in: 0...255) })
}

private func filesContaining(_ dir: URL, _ needle: String) -> [String] {
    let needle = Data(needle.utf8)
    let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
    return files.filter { (try? Data(contentsOf: $0))?.range(of: needle) != nil }.map(\.lastPathComponent)
}

private func inspectSecretly(_ store: RedlineStore) throws -> String {
    try store.putSites(sites: [Site(id: "site-chem", name: "转塘化工仓储公司", address: "杭州市西湖区转塘街道 88 号",
                                    area: "zj/hz/xh/zt", categories: [.hazardousChemicals])])
    let id = try store.startInspection(siteId: "site-chem", kind: .routinePatrol, templateId: "hazardous_chemicals").id
    let item = try store.templateItems(templateId: "hazardous_chemicals").sections[0].items[0].id
    try store.answer(inspectionId: id, itemId: item, value: .fail, note: "\(mark) 储罐区无围堰")
    return id
}

private func freshDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redline-swift-enc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

final class EncryptionTests: XCTestCase {
    func testNothingInClearWrongOrMissingKeyRefusedAndRekey() throws {
        let dir = try freshDir()
        let db = dir.appendingPathComponent("phone.db").path
        let who = inspector()
        let (key, newKey) = (randomKey(), randomKey())
        var store: RedlineStore? = try RedlineStore.openEncrypted(path: db, identity: who, key: key)
        XCTAssertTrue(store!.isEncrypted())
        let id = try inspectSecretly(store!)
        XCTAssertEqual(filesContaining(dir, mark), [])
        assertRedline(try RedlineStore.openEncrypted(path: db, identity: who, key: newKey)) {
            if case .WrongKey = $0 { return true } else { return false }
        }
        assertRedline(try RedlineStore.open(path: db, identity: who)) { if case .WrongKey = $0 { return true } else { return false } }
        assertRedline(try RedlineStore.openEncrypted(path: db, identity: who, key: Data([1, 2, 3]))) {
            if case .InvalidInput = $0 { return true } else { return false }
        }
        try store!.rekey(newKey: newKey)
        store = nil
        assertRedline(try RedlineStore.openEncrypted(path: db, identity: who, key: key)) {
            if case .WrongKey = $0 { return true } else { return false }
        }
        let reopened = try RedlineStore.openEncrypted(path: db, identity: who, key: newKey)
        XCTAssertEqual(try reopened.inspection(inspectionId: id).id, id)
    }

    func testTheAsyncOpenOpensWithTheKeyOffTheMainThread() async throws {
        let dir = try freshDir()
        let db = dir.appendingPathComponent("phone.db").path
        let key = randomKey()
        let store = try await RedlineStore.openEncrypted(path: db, identity: inspector(), key: key)
        XCTAssertTrue(store.isEncrypted())
    }

    func testAStoreInClearIsEncryptedOnFirstOpenWithAKey() throws {
        let dir = try freshDir()
        let db = dir.appendingPathComponent("phone.db").path
        let who = inspector()
        var clear: RedlineStore? = try RedlineStore.open(path: db, identity: who)
        let id = try inspectSecretly(clear!)
        clear = nil
        XCTAssertFalse(filesContaining(dir, mark).isEmpty, "the marker was in clear before")
        let store = try RedlineStore.openEncrypted(path: db, identity: who, key: randomKey())
        XCTAssertEqual(filesContaining(dir, mark), [])
        XCTAssertEqual(try store.inspection(inspectionId: id).id, id)
    }
}
