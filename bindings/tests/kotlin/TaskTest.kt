// Plan tasks through the generated Kotlin bindings on the JVM, against the
// demo server: community assistant Wang's phone carries only the tasks of
// Wang's community (the festival campaign at the fireworks retail point and
// a look-back), with site name, address and coordinates; an inspection
// started from a task is linked to it and submitting it does the task, on
// the phone at once and on the server after sync; bad input is typed.
// Called from FlowTest.kt's main, sharing its harness.

import org.redline.*
import java.nio.file.Path

const val FESTIVAL_SITE = "nh-fw-02"

/** An answer that passes an item of this type. */
fun passing(type: AnswerType): AnswerValue = when (type) {
    is AnswerType.Number -> AnswerValue.Number(type.min ?: type.max ?: 0.0)
    is AnswerType.Date -> AnswerValue.Date(TODAY.plusDays(365).toString())
    is AnswerType.Choice -> AnswerValue.Choice(listOf(type.options.first { !it.fails }.id))
    is AnswerType.Text -> AnswerValue.Text("已核查")
    else -> AnswerValue.Pass
}

fun taskTests(dir: Path) {
    val wang = Phone(dir, "assistant-wang", "王安全员", Role.COMMUNITY_ASSISTANT)
    var festival: TaskItem? = null

    test("tasks: they arrive with sync, for the own community only") {
        same(wang.store.tasksToday(), emptyList<TaskItem>())
        check(wang.sync().tasksUpdated) { "no task list came down" }
        val today = wang.store.tasksToday()
        same(today.map { it.siteId }.toSet(), setOf(FESTIVAL_SITE, "nh-chem-01"))
        val f = today.first { it.siteId == FESTIVAL_SITE }
        same(f.siteName, "湘家荡烟花爆竹经营部")
        same(f.state, TaskState.DUE)
        same(f.kind, InspectionKind.SELF_INSPECTION)
        check(f.siteLocation != null && f.siteAddress.isNotEmpty()) { "the site's address and coordinates" }
        val all = wang.store.tasksToday() + wang.store.tasksOverdue() + wang.store.tasksUpcoming() + wang.store.tasksDone()
        check(all.none { it.siteId == "nh-fw-01" }) { "Qixing's task on Wang's phone" }
        festival = f
    }

    test("tasks: submitting the inspection started from a task does it") {
        val task = festival ?: error("no festival task")
        val inspection = wang.store.startTask(task.taskId)
        same(inspection.header.taskId, task.taskId)
        val items = wang.store.templateItems(task.templateId).sections.flatMap { it.items }.associateBy { it.id }
        repeat(3) {
            for (item in wang.store.summary(inspection.id).unanswered) {
                wang.store.answer(inspection.id, item, passing(items.getValue(item).answerType))
            }
        }
        wang.store.submit(inspection.id)
        check(wang.store.tasksToday().none { it.siteId == FESTIVAL_SITE }) { "still due after submit" }
        same(wang.store.tasksDone().map { it.doneBy }, listOf<String?>(inspection.id))
        check(inspection.id in wang.sync().accepted) { "the server did not accept it" }
    }

    test("tasks: bad input is a typed error") {
        raises<RedlineException.NotFound> { wang.store.startTask("task-that-does-not-exist") }
        raises<RedlineException.InvalidInput> { wang.store.tasksToday("2027-13-01") }
    }
}
