// The boundary benchmark from Kotlin on the JVM: the workload of
// bindings/benches/boundary.rs through the generated Kotlin bindings (JNA
// direct mapping), so the difference to the Rust figures is the cost of
// crossing the boundary as the Android app pays it (on a desktop JIT; ART on
// a phone differs). Run by scripts/bench-bindings.sh; prints
// `RESULT kotlin <call> median_us=… p90_us=… n=…` lines.
//
// The JIT needs a longer warm-up than the other runners; it gets one and
// is otherwise measured the same way.

import org.redline.*
import java.nio.file.Files
import java.nio.file.Paths

const val TEMPLATE = "special_equipment"
val ITEMS = listOf("S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08")
const val WARMUP = 300
const val CALLS = 400
const val BATCHES = 20
const val BATCH = 1_000

fun report(call: String, samples: List<Double>) {
    val sorted = samples.sorted()
    fun at(q: Double) = sorted[Math.round((sorted.size - 1) * q).toInt()]
    println("RESULT kotlin $call median_us=${"%.2f".format(at(0.5))} p90_us=${"%.2f".format(at(0.9))} n=${sorted.size}")
}

fun perCall(f: (Int) -> Unit): List<Double> {
    repeat(WARMUP) { f(it) }
    return (0 until CALLS).map { i ->
        val start = System.nanoTime()
        f(i)
        (System.nanoTime() - start) / 1000.0
    }
}

fun batched(f: () -> Unit): List<Double> {
    repeat(BATCH * 5) { f() } // JIT warm-up
    return (0 until BATCHES).map {
        val start = System.nanoTime()
        repeat(BATCH) { f() }
        (System.nanoTime() - start) / 1000.0 / BATCH
    }
}

fun main() {
    // REDLINE_BENCH_DIR: where the store goes (tmpfs takes fsync out).
    val base = System.getenv("REDLINE_BENCH_DIR")
    val dir = if (base != null) Files.createTempDirectory(Paths.get(base), "redline-bench")
              else Files.createTempDirectory("redline-bench")
    RedlineStore.open(dir.resolve("phone.db").toString(),
        Identity(userId = "bench", name = "Bench", role = Role.INSPECTOR, deviceId = "bench-kt")).use { store ->
        store.putSites(listOf(Site(id = "site-boiler", name = "西湖热力锅炉房", address = "杭州市西湖区文三路 1 号",
            area = "zj/hz/xh/c01", categories = listOf(SiteCategory.SPECIAL_EQUIPMENT))))
        val id = store.startInspection("site-boiler", InspectionKind.SPECIAL_CAMPAIGN, TEMPLATE).id
        report("answer", perCall { i ->
            store.answer(id, ITEMS[i % ITEMS.size], if (i % 2 == 0) AnswerValue.Pass else AnswerValue.Fail)
        })
        report("inspection", perCall { store.inspection(id) })
        var sink = 0L
        report("version_info", batched { sink += versionInfo().schema })
        if (sink == 42L) println() // keeps the calls from being optimised away
    }
}
