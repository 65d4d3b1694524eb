// Two phones and a real redline-server through the generated Kotlin
// bindings on the JVM: suspend sync with progress and cancellation, photo
// capture with watermark, thumbnails and full photos, a conflict and its
// resolution, a hazard transition from the other phone reaching the first,
// observers fired by sync, the quarantine, typed errors.
//
// Phone A is inspector Zhang, phone B supervisor Li, each a store whose
// identity carries the device id the server printed for that user
// (scripts/test-bindings.sh starts the server and passes its URL and tokens
// in REDLINE_TEST_* variables). Called from FlowTest.kt's main, sharing its
// harness (`test`, `same`, `check`, `raises`); the steps run in order.

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.redline.*
import java.nio.file.Files
import java.nio.file.Path
import java.security.MessageDigest
import java.util.UUID

const val SITE = "nh-chem-01"
const val SITE_NAME = "湘家荡精细化工仓储"
const val CHEMICALS = "hazardous_chemicals"

fun env(name: String): String =
    System.getenv(name) ?: error("$name is not set: run scripts/test-bindings.sh, which starts redline-server")

/** A phone of a demo user: a store with the server's device id, and its session. */
class Phone(dir: Path, val user: String, name: String, role: Role) {
    private val prefix = "REDLINE_TEST_" + user.uppercase().replace('-', '_')
    val store = RedlineStore.open(dir.resolve("$user.db").toString(),
        Identity(userId = user, name = name, role = role, deviceId = env("${prefix}_DEVICE")))
    val session = SyncSession(store, env("REDLINE_TEST_SERVER"), env("${prefix}_TOKEN"))
    fun sync(listener: SyncProgressListener? = null): SyncResult = runBlocking { session.sync(listener) }
}

/** A progress bar: remembers every update. */
class Progress : SyncProgressListener {
    val updates = java.util.concurrent.CopyOnWriteArrayList<SyncProgress>()
    override fun onProgress(progress: SyncProgress) {
        updates.add(progress)
    }
}

fun isJpeg(bytes: ByteArray) = bytes.size > 2 && bytes[0] == 0xFF.toByte() && bytes[1] == 0xD8.toByte()

fun sha256(bytes: ByteArray): String =
    MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

fun syncTests(dir: Path) {
    val a = Phone(dir, "inspector-zhang", "张检查员", Role.INSPECTOR)
    val b = Phone(dir, "supervisor-li", "李主任", Role.SUPERVISOR)
    val deadline = TODAY.plusDays(10).toString()
    var id = ""
    var findingId = ""
    var photo: PhotoRef? = null

    test("sync: the first sync brings the region, with progress") {
        val progress = Progress()
        val result = a.sync(progress)
        check(progress.updates.isNotEmpty()) { "the progress listener never fired" }
        same(progress.updates.last().roundTrips, result.roundTrips)
        same(result.rejected, emptyList<RejectedUpload>())
        same(a.store.site(SITE).name, SITE_NAME)
        check(a.store.sites().all { it.area.startsWith("zj/jx/nh") }) { "a site outside Zhang's scope" }
        b.sync(object : SyncProgressListener {
            override fun onProgress(progress: SyncProgress) = throw IllegalStateException("the progress bar is gone")
        })
        same(b.store.site(SITE).name, SITE_NAME)
    }

    test("sync: an inspection with a captured photo is uploaded") {
        id = a.store.startInspection(SITE, InspectionKind.ROUTINE_PATROL, CHEMICALS).id
        val noFont = raises<RedlineException.InvalidInput> {
            runBlocking { a.store.capturePhoto(id, PhotoOwner.Answer("H21"), debugSampleJpeg(64u, 48u), CaptureOptions()) }
        }
        check("font" in noFont.detail) { noFont.detail }
        val font = WatermarkFont.fromBytes(Files.readAllBytes(Path.of(env("REDLINE_TEST_FONT"))))
        check(font.covers(SITE_NAME)) { "the font lacks Chinese" }
        a.store.setWatermarkFont(font)
        b.store.setWatermarkFont(font)
        val notAPhoto = raises<RedlineException.InvalidInput> {
            runBlocking { a.store.capturePhoto(id, PhotoOwner.Answer("H21"), "not a photo".toByteArray(), CaptureOptions()) }
        }
        same(notAPhoto.photo, PhotoProblem.NOT_AN_IMAGE)
        val camera = debugSampleJpeg(64u, 48u)
        val cutShort = raises<RedlineException.InvalidInput> {
            runBlocking { a.store.capturePhoto(id, PhotoOwner.Answer("H21"), camera.copyOf(camera.size / 2), CaptureOptions()) }
        }
        same(cutShort.photo, PhotoProblem.TRUNCATED)
        a.store.answer(id, "H26", AnswerValue.Number(5.0))
        a.store.answer(id, "H21", AnswerValue.Fail, note = "防爆电器损坏")
        for (item in a.store.summary(id).unanswered) a.store.answer(id, item, AnswerValue.Pass)
        findingId = a.store.addFinding(id, NewFinding(itemId = "H21", description = "仓库防爆灯具外壳破损",
            grade = Grade.GENERAL, deadline = deadline, responsible = "王经理"))
        val taken = runBlocking {
            a.store.capturePhoto(id, PhotoOwner.Finding(findingId), debugSampleJpeg(1600u, 1200u),
                CaptureOptions(maxEdge = 800u, location = GeoPoint(30.16, 120.09)))
        }
        same(taken.width to taken.height, 800u to 600u)
        check(taken.thumbHash != null && isJpeg(a.store.blob(taken.hash))) { "$taken" }
        same(a.store.blobsToUpload().toSet(), setOf(taken.hash, taken.thumbHash))
        val progress = Progress()
        val result = a.sync(progress)
        check(progress.updates.isNotEmpty()) { "the progress listener never fired" }
        same(result.blobsUploaded, 2u)
        check(id in result.accepted) { "${result.accepted}" }
        same(a.store.blobsToUpload(), emptyList<String>())
        photo = taken
    }

    test("sync: the other phone gets the thumbnail and fetches the photo") {
        val p = photo!!
        check(id in b.sync().changed) { "B did not receive $id" }
        same(b.store.inspection(id).photos, listOf(p))
        check(isJpeg(b.store.blob(p.thumbHash!!))) { "thumbnail" }
        raises<RedlineException.NotFound> { b.store.blob(p.hash) }
        val full = runBlocking { b.session.fetchPhoto(p.hash) }
        check(full.contentEquals(a.store.blob(p.hash))) { "the fetched photo differs" }
        raises<RedlineException.NotFound> { runBlocking { b.session.fetchPhoto(sha256("never uploaded".toByteArray())) } }
    }

    test("sync: concurrent answers conflict until resolved") {
        a.store.answer(id, "H22", AnswerValue.Pass, note = "张：已核对")
        b.store.answer(id, "H22", AnswerValue.Pass, note = "李：已核对")
        a.sync(); b.sync(); a.sync()
        for (phone in listOf(a, b)) same(phone.store.inspection(id).conflicts.map { it.path }, listOf("answers/H22"))
        val conflict = a.store.inspection(id).conflicts.single()
        same(conflict.values.map { it.by?.userId }.toSet(), setOf("inspector-zhang", "supervisor-li"))
        raises<RedlineException.InvalidInput> { a.store.resolveConflict(id, conflict.path, "\"neither\"") }
        a.store.resolveConflict(id, conflict.path, conflict.values.first { it.by?.userId == "inspector-zhang" }.value)
        check(id in a.sync().accepted) { "resolution not accepted" }
        b.sync()
        same(b.store.inspection(id).conflicts, emptyList<Conflict>())
        same(b.store.inspection(id).answers.getValue("H22").note, "张：已核对")
    }

    test("sync: a transition on the other phone reaches the first, and its observer") {
        same(a.store.submit(id), listOf(findingId))
        check(a.sync().accepted.containsAll(listOf(id, findingId))) { "submit not accepted" }
        check(findingId in b.sync().changed) { "B did not receive the hazard" }
        same(b.store.hazard(findingId).status.state, HazardState.ORDERED)
        val evidence = runBlocking { b.store.captureEvidence(findingId, debugSampleJpeg(640u, 480u), CaptureOptions()) }
        val fixed = b.store.transitionWithPhotos(findingId, HazardAction.ReportFix, "灯具已更换", listOf(evidence))
        same(fixed.transitions.last().evidence, listOf(evidence.hash))
        same(b.sync().blobsUploaded, 2u)
        val screen = Recorder()
        val result = a.store.subscribe(screen).use { a.sync() }
        check(findingId in result.changed) { "${result.changed}" }
        check(screen.changes.any { findingId in it.hazards }) { "the observer did not hear about the sync" }
        val seen = a.store.hazard(findingId)
        same(seen.status.state, HazardState.FIX_REPORTED)
        same(seen.transitions.last().by.userId, "supervisor-li")
        check(isJpeg(a.store.blob(evidence.thumbHash!!))) { "evidence thumbnail" }
        same(a.store.transition(findingId, HazardAction.Recheck(accepted = true), "复查合格").status.state, HazardState.CLOSED)
        a.sync(); b.sync()
        same(b.store.hazard(findingId).status.state, HazardState.CLOSED)
    }

    test("sync: evicted photos come back on demand") {
        val p = photo!!
        check(a.store.evictPhotos(0uL) >= 1u) { "nothing evicted" }
        raises<RedlineException.NotFound> { a.store.blob(p.hash) }
        same(sha256(runBlocking { a.session.fetchPhoto(p.hash) }), p.hash)
    }

    test("sync: a refused upload is quarantined") {
        // Chen's scope is the qx community; nh-chem-01 lies in xjd. The server
        // refuses and says only "not found".
        val chen = Phone(dir, "assistant-chen", "陈安全员", Role.COMMUNITY_ASSISTANT)
        chen.sync()
        chen.store.putSites(listOf(a.store.site(SITE)))
        val refused = chen.store.startInspection(SITE, InspectionKind.SELF_INSPECTION, CHEMICALS).id
        same(chen.sync().rejected, listOf(RejectedUpload(refused, "not found")))
        val kept = chen.store.quarantine().single()
        same(Triple(kept.docId, kept.kind, kept.reason), Triple(refused, DocumentKind.INSPECTION, "not found"))
        same(chen.store.exportQuarantined(kept.id).size.toULong(), kept.size)
        raises<RedlineException.NotFound> { chen.store.exportQuarantined(kept.id + 1000) }
        raises<RedlineException.NotFound> { chen.store.inspection(refused) }
        chen.session.close()
        chen.store.close()
    }

    test("sync: errors are typed; cancelling the token or the coroutine stops a sync") {
        raises<RedlineException.InvalidInput> { SyncSession(a.store, "ftp://example.org", "t") }
        val early = CancellationToken().also { it.cancel() }
        raises<RedlineException.Cancelled> { runBlocking { a.session.sync(cancel = early) } }
        raises<RedlineException.NotAllowed> {
            SyncSession(a.store, env("REDLINE_TEST_SERVER"), "0".repeat(64)).use { runBlocking { it.sync() } }
        }
        val dead = "http://127.0.0.1:1" // nothing listens: retries with backoff (~3 s), then Network
        val other = RedlineStore.open(dir.resolve("offline.db").toString(), inspector())
        runBlocking {
            val offline = async(Dispatchers.Default) { runCatching { SyncSession(other, dead, "t").sync() }.exceptionOrNull() }
            val token = CancellationToken()
            val waiting = async { runCatching { SyncSession(a.store, dead, "t").sync(cancel = token) }.exceptionOrNull() }
            delay(300)
            token.cancel()
            val cancelled = withTimeout(2_000) { waiting.await() }
            check(cancelled is RedlineException.Cancelled) { "$cancelled" }
            // A cancelled coroutine drops the Rust future, which cancels the
            // sync: the store's sync turn is free again at once.
            val job = launch { runCatching { SyncSession(a.store, dead, "t").sync() } }
            delay(300)
            job.cancelAndJoin()
            val started = System.nanoTime()
            a.sync()
            check(System.nanoTime() - started < 2_000_000_000L) { "the abandoned sync kept the store's turn" }
            val network = offline.await()
            check(network is RedlineException.Network && network.retryable) { "$network" }
        }
        other.close()
    }

    for (phone in listOf(a, b)) {
        phone.session.close()
        phone.store.close()
    }
}
