// A field inspector's day through the generated Kotlin bindings on the JVM:
// the same classes, records and exceptions the Android app uses (JNA into
// libredline_ffi.so), in the same order as the app's screens.
//
// It also compiles and exercises the coroutine helpers the AAR ships
// (android/src/main/kotlin/org/redline/Coroutines.kt), then runs the
// two-phone sync tests of SyncTest.kt against the real server.
//
// A plain `main` rather than JUnit because Maven Central is out of reach on
// CI; the last line reads `N passed, N failed` and the exit code is non-zero
// on any failure. Run by scripts/test-bindings.sh.

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.redline.*
import java.nio.file.Files
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.UUID
import kotlin.system.exitProcess

const val TEMPLATE = "special_equipment"
val TODAY: LocalDate = LocalDate.now(ZoneOffset.ofHours(8)) // China time, as the core counts days
val DEADLINE: String = TODAY.plusDays(10).toString()
val PHOTO = "JPEG bytes of a missing inspection mark".toByteArray()

fun inspector(user: String = "inspector-zhang", name: String = "张检查员") =
    Identity(userId = user, name = name, role = Role.INSPECTOR, deviceId = UUID.randomUUID().toString())

/** A screen that remembers which changes it was told about. */
class Recorder : StoreListener {
    val changes = java.util.concurrent.CopyOnWriteArrayList<StoreChange>()
    override fun onChange(change: StoreChange) {
        changes.add(change)
    }
}

/** The app's logger: keeps every line. */
class Collector : LogSink {
    val lines = java.util.concurrent.CopyOnWriteArrayList<Triple<LogLevel, String, String>>()
    override fun log(level: LogLevel, target: String, message: String) {
        lines.add(Triple(level, target, message))
    }
}

// ---- a minimal harness ------------------------------------------------------

var passed = 0
var failed = 0

fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

fun <T> same(actual: T, expected: T) = check(actual == expected) { "expected $expected, got $actual" }

inline fun <reified E : Throwable> raises(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

// ---- the day ----------------------------------------------------------------

fun main() {
    val dir = Files.createTempDirectory("redline-kotlin")
    val store = RedlineStore.open(dir.resolve("phone.db").toString(), inspector())
    store.putSites(listOf(
        Site(id = "site-boiler", name = "西湖热力锅炉房", address = "杭州市西湖区文三路 1 号", area = "zj/hz/xh/c01",
             categories = listOf(SiteCategory.SPECIAL_EQUIPMENT), location = GeoPoint(30.27, 120.15),
             contactName = "王经理"),
        Site(id = "site-chem", name = "转塘化工仓储公司", address = "杭州市西湖区转塘街道 88 号", area = "zj/hz/xh/zt",
             categories = listOf(SiteCategory.HAZARDOUS_CHEMICALS)),
    ))
    val id = store.startInspection("site-boiler", InspectionKind.SPECIAL_CAMPAIGN, TEMPLATE).id
    var findingId = ""
    var hazardId = ""

    test("version info") {
        val v = versionInfo()
        same(v.library, "0.1.0")
        check(v.schema >= 1) { "schema ${v.schema}" }
        same(v.protocol, 1u)
    }

    test("checklist has what the answer screen needs") {
        check(store.templates().any { it.id == TEMPLATE }) { "no $TEMPLATE" }
        val checklist = store.templateItems(TEMPLATE)
        val items = checklist.sections.flatMap { it.items }.associateBy { it.id }
        val kinds = items.getValue("S00").answerType as AnswerType.Choice
        check(kinds.multiple && kinds.options.any { it.id == "boiler" }) { "S00 $kinds" }
        same(items.getValue("S03d").answerType, AnswerType.Date(expiry = true))
        val reading = items.getValue("S11r").answerType as AnswerType.Number
        same(reading.unit, "MPa")
        same(items.getValue("S01").majorHazard, MajorHazard.PROBABLE)
        check(items.getValue("S01").photoOnFail && items.getValue("S01").basis.zh.isNotEmpty()) { "S01" }
        same(checklist.sections.first { it.id == "boiler" }.showIf, ShowIf(itemId = "S00", anyOf = listOf("boiler")))
    }

    test("sites are searched by name") {
        same(store.sites("化工", 10u).map { it.id }, listOf("site-chem"))
        same(store.sites().size, 2)
    }

    test("answers of every type") {
        store.answer(id, "S00", AnswerValue.Choice(listOf("elevator", "boiler")))
        store.answer(id, "S03d", AnswerValue.Date("2030-06-30"), note = "见检验报告")
        store.answer(id, "S11r", AnswerValue.Number(0.8))
        store.answer(id, "S02", AnswerValue.Fail, note = "登记标志未张贴")
        store.answer(id, "S05", AnswerValue.NotApplicable)
        for (item in store.summary(id).unanswered) store.answer(id, item, AnswerValue.Pass)
        val answers = store.inspection(id).answers
        same(answers.getValue("S00").value, AnswerValue.Choice(listOf("elevator", "boiler")))
        same(answers.getValue("S03d").value, AnswerValue.Date("2030-06-30"))
        same(answers.getValue("S11r").value, AnswerValue.Number(0.8))
        val summary = store.summary(id)
        same(summary.failed, 1u)
        same(summary.missingPhotos, listOf("S02"))
        same(summary.outcome, Outcome.HAZARDS_FOUND)
    }

    test("wrong answers raise typed exceptions") {
        raises<RedlineException.NotFound> { store.answer(id, "S99", AnswerValue.Pass) }
        val text = raises<RedlineException.InvalidInput> { store.answer(id, "S06", AnswerValue.Text("有专人管理")) }
        check("text" in text.detail) { text.detail }
        raises<RedlineException.InvalidInput> { store.answer(id, "S03d", AnswerValue.Date("2030-13-01")) }
        raises<RedlineException.InvalidInput> { store.answer(id, "S00", AnswerValue.Choice(listOf("rocket"))) }
        raises<RedlineException.NotFound> { store.inspection(UUID.randomUUID().toString()) }
        val early = raises<RedlineException.InvalidInput> { store.submit(id) }
        check("S02" in early.detail) { early.detail }
    }

    test("finding with photo") {
        findingId = store.addFinding(id, NewFinding(itemId = "S02", description = "电梯使用登记标志未张贴",
            grade = Grade.GENERAL, deadline = DEADLINE, responsible = "王经理"))
        store.editFinding(id, findingId, FindingPatch(description = "电梯使用登记标志未在轿厢内张贴"))
        val photo = store.attachPhoto(id, PhotoOwner.Finding(findingId), PHOTO, PhotoMeta(width = 4000u, height = 3000u))
        same(photo.size, PHOTO.size.toULong())
        check(store.blob(photo.hash).contentEquals(PHOTO)) { "blob differs" }
        store.setLocation(id, GeoPoint(30.2701, 120.1502))
        store.sign(id, "王经理", SignerRole.ENTERPRISE, "signature strokes".toByteArray())
        val detail = store.inspection(id)
        same(detail.findings.map { it.description }, listOf("电梯使用登记标志未在轿厢内张贴"))
        same(detail.findings[0].deadline, DEADLINE)
        same(detail.signatures.map { it.role }, listOf(SignerRole.ENTERPRISE))
        same(store.summary(id).missingPhotos, emptyList<String>())
    }

    test("observer fires until its handle is closed") {
        val screen = Recorder()
        store.subscribe(screen).use { handle ->
            store.answer(id, "S06", AnswerValue.Pass, note = "专人管理")
            same(screen.changes.map { it.inspections }, listOf(listOf(id)))
            check(handle.isActive()) { "inactive" }
        }
        store.answer(id, "S06", AnswerValue.Pass)
        same(screen.changes.size, 1)
        val other = Recorder()
        val explicit = store.subscribe(other)
        explicit.unsubscribe()
        store.answer(id, "S06", AnswerValue.Pass)
        same(other.changes.size, 0)
        explicit.close()
    }

    test("a failing listener does not fail the edit") {
        store.subscribe(object : StoreListener {
            override fun onChange(change: StoreChange) = throw IllegalStateException("the screen is gone")
        }).use { store.answer(id, "S07", AnswerValue.Pass) }
        same(store.inspection(id).answers.getValue("S07").value, AnswerValue.Pass)
    }

    test("submit registers hazards") {
        val screen = Recorder()
        val hazards = store.subscribe(screen).use { store.submit(id) }
        same(hazards, listOf(findingId))
        same(screen.changes.last().hazards, hazards)
        same(store.inspection(id).status, InspectionStatus.SUBMITTED)
        raises<RedlineException.NotAllowed> { store.answer(id, "S06", AnswerValue.Fail) }
        hazardId = hazards[0]
    }

    test("documents render offline as PDF") {
        val font = ReportFont.fromFile(System.getenv("REDLINE_TEST_FONT") ?: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
        val record = store.renderDocument(id, PrintedDocument.INSPECTION_RECORD, "西湖区应急管理局", DocumentLanguage.CHINESE, font)
        check(String(record.copyOfRange(0, 4)) == "%PDF") { "not a PDF" }
        val order = store.renderDocument(hazardId, PrintedDocument.RECTIFICATION_ORDER, "西湖区应急管理局", DocumentLanguage.ENGLISH, font)
        check(String(order.copyOfRange(0, 4)) == "%PDF" && order.size < 1_500_000) { "the order" }
        raises<RedlineException.NotAllowed> {
            store.renderDocument(id, PrintedDocument.RECHECK_OPINION, "西湖区应急管理局", DocumentLanguage.CHINESE, font)
        }
        raises<RedlineException.InvalidInput> { store.renderDocument(id, PrintedDocument.INSPECTION_RECORD, "x", DocumentLanguage.CHINESE) }
        raises<RedlineException.InvalidInput> { ReportFont.fromBytes("not a font".toByteArray()) }
        raises<RedlineException.NotFound> {
            store.renderDocument(UUID.randomUUID().toString(), PrintedDocument.INSPECTION_RECORD, "x", DocumentLanguage.CHINESE, font)
        }
    }

    test("amendments after submit") {
        store.amendAnswer(id, "S11r", AnswerValue.Number(0.9), "复核压力表读数")
        store.amendFinding(id, findingId, FindingPatch(responsible = "李主管"), "责任人变更")
        same(store.inspection(id).amendments.map { it.reason }, listOf("复核压力表读数", "责任人变更"))
        raises<RedlineException.NotFound> { store.resolveConflict(id, "answers/S11r", "0.9") }
    }

    test("hazard lifecycle with evidence") {
        val hazard = store.hazard(hazardId)
        same(hazard.status.state, HazardState.ORDERED)
        same(store.hazards(HazardQuery(overdueOnly = true), TODAY.plusDays(30).toString()).map { it.id }, listOf(hazardId))
        val noEvidence = raises<RedlineException.InvalidInput> { store.transition(hazardId, HazardAction.ReportFix, "已张贴") }
        check("evidence" in noEvidence.detail) { noEvidence.detail }
        raises<RedlineException.NotAllowed> {
            store.transition(hazardId, HazardAction.ListForSupervision(ListingLevel.COUNTY))
        }
        val fixed = store.transition(hazardId, HazardAction.ReportFix, "登记标志已张贴",
            listOf("after 1".toByteArray(), "after 2".toByteArray()))
        same(fixed.status.state, HazardState.FIX_REPORTED)
        check(store.blob(fixed.transitions.last().evidence[1]).contentEquals("after 2".toByteArray())) { "evidence" }
        val closed = store.transition(hazardId, HazardAction.Recheck(accepted = true), "复查合格")
        same(closed.status.state, HazardState.CLOSED)
        same(closed.status.isOpen, false)
    }

    test("lists and search") {
        val mine = store.inspections(InspectionQuery(participant = "inspector-zhang", status = InspectionStatus.SUBMITTED))
        same(mine.map { it.id }, listOf(id))
        same(mine[0].outcome, Outcome.HAZARDS_FOUND)
        same(store.inspections(InspectionQuery(status = InspectionStatus.DRAFT)), emptyList<InspectionListItem>())
        same(store.hazards(HazardQuery()).map { it.id to it.state }, listOf(hazardId to HazardState.CLOSED))
        same(store.hazards(HazardQuery(openOnly = true)).size, 0)
        val hits = store.search("登记标志", 10u).map { it.docId to it.kind }.toSet()
        check(hits.containsAll(setOf(id to DocumentKind.INSPECTION, hazardId to DocumentKind.HAZARD))) { "$hits" }
        check(store.search("复查").any { it.docId == hazardId }) { "two-character search" }
        store.checkIntegrity() // throws RedlineException.Storage when the database is damaged
    }

    test("co-inspector joins by id and header") {
        val header = store.inspection(id).header
        RedlineStore.open(dir.resolve("colleague.db").toString(), inspector("inspector-li", "李检查员")).use { colleague ->
            same(colleague.joinInspection(id, header).header, header)
            raises<RedlineException.InvalidInput> { colleague.joinInspection("not-a-uuid", header) }
        }
    }

    test("a panic comes back as Internal and the store survives") {
        val fault = raises<RedlineException.Internal> { store.debugPanic("probe from kotlin") }
        check("probe from kotlin" in fault.detail) { fault.detail }
        check(store.templates().isNotEmpty()) { "store unusable" }
    }

    test("log sink receives lines") {
        val logs = Collector()
        setLogSink(logs, LogLevel.DEBUG)
        try {
            raises<RedlineException.NotFound> { store.hazard(UUID.randomUUID().toString()) }
        } finally {
            clearLogSink()
        }
        check(logs.lines.any { it.first == LogLevel.DEBUG && it.second == "redline_ffi::hazard" }) { "${logs.lines}" }
    }

    test("changes as a Flow, calls through io { }") {
        runBlocking {
            val seen = CompletableDeferred<StoreChange>()
            val screen = launch(Dispatchers.Default) { store.changes().collect { seen.complete(it) } }
            // The listener registers when collection starts; edit until it has seen one.
            withTimeout(5_000) {
                while (!seen.isCompleted) {
                    store.io { search("登记", 1u) }
                    store.io { hazard(hazardId) }
                    store.io { transition(hazardId, HazardAction.LookBack(relapsed = false), "回头看") }
                    delay(20)
                }
            }
            same(seen.await().hazards, listOf(hazardId))
            screen.cancel()
            screen.join()
            val notFound = runCatching { store.io { hazard(UUID.randomUUID().toString()) } }.exceptionOrNull()
            check(notFound is RedlineException.NotFound) { "$notFound" }
        }
    }

    test("calls from several threads at once") {
        val threads = (1..4).map { n ->
            Thread { repeat(25) { store.search("登记", 5u); store.hazard(hazardId) } }.also { it.start() }
        }
        threads.forEach { it.join() }
        same(store.hazard(hazardId).status.state, HazardState.CLOSED)
    }

    store.close()
    syncTests(dir)
    taskTests(dir)
    encryptionTests(dir)
    println("$passed passed, $failed failed")
    if (failed > 0) exitProcess(1)
}
