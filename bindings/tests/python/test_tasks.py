"""Plan tasks through the generated Python bindings, against the demo
server: community assistant Wang's phone carries the tasks of Wang's own
community only (the festival campaign at the fireworks retail point and a
look-back), with the site's name, address and coordinates; an inspection
started from a task is linked to it, and submitting it does the task, on
the phone at once and on the server after sync. Bad input is a typed
error.
"""

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest

from redline_ffi import (
    AnswerType, AnswerValue, Identity, InspectionKind, RedlineError, RedlineStore, Role, SyncSession, TaskState,
)

FESTIVAL_SITE = "nh-fw-02"


def run(call):
    return asyncio.run(call)


def china_today():
    return datetime.now(timezone(timedelta(hours=8))).date()


def passing(answer_type):
    """An answer that passes an item of this type."""
    if isinstance(answer_type, AnswerType.NUMBER):
        return AnswerValue.NUMBER(value=answer_type.min if answer_type.min is not None else (answer_type.max or 0.0))
    if isinstance(answer_type, AnswerType.DATE):
        return AnswerValue.DATE(value=(china_today() + timedelta(days=365)).isoformat())
    if isinstance(answer_type, AnswerType.CHOICE):
        return AnswerValue.CHOICE(options=[next(o.id for o in answer_type.options if not o.fails)])
    if isinstance(answer_type, AnswerType.TEXT):
        return AnswerValue.TEXT(value="已核查")
    return AnswerValue.PASS()


def pass_everything(store, iid, template_id):
    items = {i.id: i for s in store.template_items(template_id).sections for i in s.items}
    for _ in range(3):  # an answer may reveal items a condition hid
        for item in store.summary(iid).unanswered:
            store.answer(iid, item, passing(items[item].answer_type))


@pytest.fixture(scope="module")
def wang(tmp_path_factory, server):
    device = server.device("assistant-wang")
    store = RedlineStore.open(str(tmp_path_factory.mktemp("wang") / "phone.db"),
                              Identity(user_id="assistant-wang", name="王安全员", role=Role.COMMUNITY_ASSISTANT,
                                       device_id=device.device_id))
    return {"store": store, "sync": SyncSession(store, server.url, device.token)}


def test_tasks_arrive_with_sync_for_the_own_community_only(wang):
    store = wang["store"]
    assert store.tasks_today() == []
    result = run(wang["sync"].sync(None))
    assert result.tasks_updated
    today = store.tasks_today()
    assert {t.site_id for t in today} == {FESTIVAL_SITE, "nh-chem-01"}
    festival = next(t for t in today if t.site_id == FESTIVAL_SITE)
    assert festival.site_name == "湘家荡烟花爆竹经营部" and festival.site_address.startswith("湘家荡区域")
    assert festival.site_location is not None and 30 < festival.site_location.lat < 31
    assert festival.state == TaskState.DUE and festival.kind == InspectionKind.SELF_INSPECTION
    assert date.fromisoformat(festival.starts) <= china_today() <= date.fromisoformat(festival.due)
    everything = store.tasks_today() + store.tasks_overdue() + store.tasks_upcoming() + store.tasks_done()
    assert "nh-fw-01" not in {t.site_id for t in everything}  # Qixing's point is Chen's
    wang["festival"] = festival


def test_a_submitted_inspection_started_from_a_task_does_it(wang):
    store, task = wang["store"], wang["festival"]
    inspection = store.start_task(task.task_id)
    assert inspection.header.task_id == task.task_id and inspection.header.site_id == FESTIVAL_SITE
    pass_everything(store, inspection.id, task.template_id)
    store.submit(inspection.id)
    assert FESTIVAL_SITE not in {t.site_id for t in store.tasks_today()}
    done = store.tasks_done()
    assert [t.done_by for t in done] == [inspection.id] and done[0].state == TaskState.DONE
    assert done[0].last_inspection.inspection_id == inspection.id
    result = run(wang["sync"].sync(None))
    assert inspection.id in result.accepted
    assert [t.task_id for t in store.tasks_done()] == [task.task_id]


def test_bad_task_input_is_a_typed_error(wang):
    store = wang["store"]
    with pytest.raises(RedlineError.NotFound):
        store.start_task("task-that-does-not-exist")
    with pytest.raises(RedlineError.InvalidInput):
        store.tasks_today(today="2027-13-01")
    # Another day is asked as such: long after the due date the rest is overdue.
    later = (china_today() + timedelta(days=60)).isoformat()
    overdue = store.tasks_overdue(today=later)
    assert {t.site_id for t in overdue} == {"nh-chem-01"} and {t.state for t in overdue} == {TaskState.MISSED}
