// The encrypted store through the generated Kotlin bindings on the JVM: the
// app's key as bytes (on Android, kept wrapped by the Keystore: see
// android/README.md), nothing of an inspection readable in any file, the
// wrong key and a missing key are RedlineException.WrongKey and change
// nothing, rekey moves the store to a new key, a store in clear is
// encrypted on its first open with a key. Called from FlowTest.kt's main.

import org.redline.*
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom

const val MARK = "kt-secret-note-marker"

fun randomKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

fun filesContaining(dir: Path, needle: String): List<String> =
    Files.walk(dir).use { paths ->
        paths.filter { Files.isRegularFile(it) }
            .filter { String(Files.readAllBytes(it), Charsets.ISO_8859_1).contains(String(needle.toByteArray(), Charsets.ISO_8859_1)) }
            .map { it.fileName.toString() }
            .toList()
    }

fun inspectSecretly(store: RedlineStore): String {
    store.putSites(listOf(Site(id = "site-chem", name = "转塘化工仓储公司", address = "杭州市西湖区转塘街道 88 号",
        area = "zj/hz/xh/zt", categories = listOf(SiteCategory.HAZARDOUS_CHEMICALS))))
    val id = store.startInspection("site-chem", InspectionKind.ROUTINE_PATROL, "hazardous_chemicals").id
    val item = store.templateItems("hazardous_chemicals").sections.first().items.first().id
    store.answer(id, item, AnswerValue.Fail, "$MARK 储罐区无围堰")
    return id
}

fun encryptionTests(root: Path) {
    val key = randomKey()
    val newKey = randomKey()

    test("encryption: nothing in clear, wrong or missing key refused, rekey") {
        val dir = Files.createTempDirectory(root, "sealed")
        val db = dir.resolve("phone.db").toString()
        val who = inspector()
        val store = RedlineStore.openEncrypted(db, who, key)
        check(store.isEncrypted()) { "not encrypted" }
        val id = inspectSecretly(store)
        same(filesContaining(dir, MARK), emptyList<String>())
        raises<RedlineException.WrongKey> { RedlineStore.openEncrypted(db, who, newKey) }
        raises<RedlineException.WrongKey> { RedlineStore.open(db, who) }
        raises<RedlineException.InvalidInput> { RedlineStore.openEncrypted(db, who, ByteArray(5)) }
        store.rekey(newKey)
        store.close()
        raises<RedlineException.WrongKey> { RedlineStore.openEncrypted(db, who, key) }
        RedlineStore.openEncrypted(db, who, newKey).use { same(it.inspection(id).id, id) }
    }

    test("encryption: a store in clear is encrypted on first open with a key") {
        val dir = Files.createTempDirectory(root, "clear")
        val db = dir.resolve("phone.db").toString()
        val who = inspector()
        val id = RedlineStore.open(db, who).use { inspectSecretly(it) }
        check(filesContaining(dir, MARK).isNotEmpty()) { "the marker was not in clear before" }
        RedlineStore.openEncrypted(db, who, key).use { same(it.inspection(id).id, id) }
        same(filesContaining(dir, MARK), emptyList<String>())
    }
}
