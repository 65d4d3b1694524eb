"""A field inspector's day through the generated Python bindings: the same
calls, records and errors the Kotlin and Swift apps get, across the real
FFI boundary (ctypes into libredline_ffi.so).

The tests run in file order against one store, like the screens of the app:
checklist, answers of every type, typed errors, a finding with a photo,
submit, a hazard's life with evidence, lists and search, observers, logs.
"""

import gc
import os
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from redline_ffi import (
    AnswerType, AnswerValue, DocumentKind, FindingPatch, GeoPoint, Grade, HazardAction, HazardQuery,
    HazardState, Identity, InspectionKind, InspectionQuery, InspectionStatus, ListingLevel, LogLevel, LogSink,
    MajorHazard, NewFinding, Outcome, PhotoMeta, PhotoOwner, RedlineError, RedlineStore, Role,
    SignerRole, Site, SiteCategory, StoreListener, clear_log_sink, set_log_sink, version_info,
    DocumentLanguage, PrintedDocument, ReportFont,
)

TEMPLATE = "special_equipment"
CHINA = timezone(timedelta(hours=8))
TODAY = datetime.now(CHINA).date()
DEADLINE = (TODAY + timedelta(days=10)).isoformat()
PHOTO = b"\xff\xd8\xff\xe0 JPEG bytes of a missing inspection mark"


def inspector(user="inspector-zhang", name="张检查员"):
    return Identity(user_id=user, name=name, role=Role.INSPECTOR, device_id=str(uuid.uuid4()))


class Recorder(StoreListener):
    """A screen that remembers which changes it was told about."""

    def __init__(self):
        self.changes = []

    def on_change(self, change):
        self.changes.append(change)


class Collector(LogSink):
    """The app's logger: keeps every line."""

    def __init__(self):
        self.lines = []

    def log(self, level, target, message):
        self.lines.append((level, target, message))


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One store and what the flow creates in it, shared by the tests."""
    store = RedlineStore.open(str(tmp_path_factory.mktemp("phone") / "phone.db"), inspector())
    store.put_sites([
        Site(id="site-boiler", name="西湖热力锅炉房", address="杭州市西湖区文三路 1 号", area="zj/hz/xh/c01",
             categories=[SiteCategory.SPECIAL_EQUIPMENT], location=GeoPoint(lat=30.27, lon=120.15),
             contact_name="王经理"),
        Site(id="site-chem", name="转塘化工仓储公司", address="杭州市西湖区转塘街道 88 号", area="zj/hz/xh/zt",
             categories=[SiteCategory.HAZARDOUS_CHEMICALS]),
    ])
    inspection = store.start_inspection("site-boiler", InspectionKind.SPECIAL_CAMPAIGN, TEMPLATE)
    return {"store": store, "id": inspection.id, "tmp": tmp_path_factory}


def test_version_info():
    v = version_info()
    assert v.library == "0.1.0"
    assert v.schema >= 1
    assert v.protocol == 1


def test_checklist_has_what_the_answer_screen_needs(day):
    store = day["store"]
    assert TEMPLATE in [t.id for t in store.templates()]
    checklist = store.template_items(TEMPLATE)
    items = {i.id: i for s in checklist.sections for i in s.items}
    assert checklist.title_zh and checklist.sections[0].title_en
    kinds = items["S00"].answer_type
    assert isinstance(kinds, AnswerType.CHOICE) and kinds.multiple
    assert "boiler" in [o.id for o in kinds.options]
    assert items["S03d"].answer_type == AnswerType.DATE(expiry=True)
    reading = items["S11r"].answer_type
    assert isinstance(reading, AnswerType.NUMBER) and reading.unit == "MPa" and reading.min == 0
    assert items["S01"].major_hazard == MajorHazard.PROBABLE and items["S01"].photo_on_fail
    assert items["S01"].basis.zh and items["S01"].text_en
    boiler = next(s for s in checklist.sections if s.id == "boiler")
    assert boiler.show_if.item_id == "S00" and boiler.show_if.any_of == ["boiler"]


def test_sites_are_searched_by_name(day):
    store = day["store"]
    assert [s.id for s in store.sites("化工", 10)] == ["site-chem"]
    assert len(store.sites()) == 2
    assert store.site("site-boiler").location == GeoPoint(lat=30.27, lon=120.15)


def test_answers_of_every_type(day):
    store, iid = day["store"], day["id"]
    store.answer(iid, "S00", AnswerValue.CHOICE(options=["elevator", "boiler"]))
    store.answer(iid, "S03d", AnswerValue.DATE(value="2030-06-30"), note="见检验报告")
    store.answer(iid, "S11r", AnswerValue.NUMBER(value=0.8))
    store.answer(iid, "S02", AnswerValue.FAIL(), note="登记标志未张贴")
    store.answer(iid, "S05", AnswerValue.NOT_APPLICABLE())
    for item in store.summary(iid).unanswered:
        store.answer(iid, item, AnswerValue.PASS())
    detail = store.inspection(iid)
    assert detail.answers["S00"].value == AnswerValue.CHOICE(options=["elevator", "boiler"])
    assert detail.answers["S03d"].value == AnswerValue.DATE(value="2030-06-30")
    assert detail.answers["S03d"].note == "见检验报告"
    assert detail.answers["S11r"].value == AnswerValue.NUMBER(value=0.8)
    assert detail.answers["S02"].by.name == "张检查员"
    summary = store.summary(iid)
    assert summary.unanswered == [] and summary.failed == 1 and summary.not_applicable == 1
    assert summary.failed_without_finding == ["S02"] and summary.missing_photos == ["S02"]
    assert summary.outcome == Outcome.HAZARDS_FOUND


def test_wrong_answers_raise_typed_errors(day):
    store, iid = day["store"], day["id"]
    with pytest.raises(RedlineError.NotFound):
        store.answer(iid, "S99", AnswerValue.PASS())
    with pytest.raises(RedlineError.InvalidInput) as text_on_pass_fail:
        store.answer(iid, "S06", AnswerValue.TEXT(value="有专人管理"))
    assert "text" in text_on_pass_fail.value.detail
    with pytest.raises(RedlineError.InvalidInput):
        store.answer(iid, "S03d", AnswerValue.DATE(value="2030-13-01"))
    with pytest.raises(RedlineError.InvalidInput):
        store.answer(iid, "S00", AnswerValue.CHOICE(options=["rocket"]))
    with pytest.raises(RedlineError.NotFound):
        store.inspection(str(uuid.uuid4()))
    with pytest.raises(RedlineError.InvalidInput) as early:
        store.submit(iid)
    assert "S02" in early.value.detail


def test_finding_with_photo(day):
    store, iid = day["store"], day["id"]
    finding = store.add_finding(iid, NewFinding(item_id="S02", description="电梯使用登记标志未张贴", grade=Grade.GENERAL,
                                                deadline=DEADLINE, responsible="王经理"))
    store.edit_finding(iid, finding, FindingPatch(description="电梯使用登记标志未在轿厢内张贴"))
    photo = store.attach_photo(iid, PhotoOwner.FINDING(finding_id=finding), PHOTO,
                               PhotoMeta(width=4000, height=3000, location=GeoPoint(lat=30.27, lon=120.15)))
    assert photo.size == len(PHOTO) and photo.width == 4000
    assert store.blob(photo.hash) == PHOTO
    store.set_location(iid, GeoPoint(lat=30.2701, lon=120.1502))
    store.sign(iid, "王经理", SignerRole.ENTERPRISE, b"signature strokes")
    store.sign(iid, "张检查员", SignerRole.INSPECTOR, b"inspector strokes")
    detail = store.inspection(iid)
    assert [f.description for f in detail.findings] == ["电梯使用登记标志未在轿厢内张贴"]
    assert detail.findings[0].deadline == DEADLINE
    assert detail.photos[0].owner == PhotoOwner.FINDING(finding_id=finding)
    assert {s.role for s in detail.signatures} == {SignerRole.ENTERPRISE, SignerRole.INSPECTOR}
    assert detail.location == GeoPoint(lat=30.2701, lon=120.1502)
    assert store.summary(iid).missing_photos == []
    day["finding"] = finding


def test_observer_fires_until_its_handle_is_dropped(day):
    store, iid = day["store"], day["id"]
    screen = Recorder()
    handle = store.subscribe(screen)
    store.answer(iid, "S06", AnswerValue.PASS(), note="专人管理")
    assert [c.inspections for c in screen.changes] == [[iid]]
    assert handle.is_active()
    del handle
    gc.collect()
    store.answer(iid, "S06", AnswerValue.PASS())
    assert len(screen.changes) == 1

    other = Recorder()
    explicit = store.subscribe(other)
    explicit.unsubscribe()
    assert not explicit.is_active()
    store.answer(iid, "S06", AnswerValue.PASS())
    assert other.changes == []


def test_a_failing_listener_does_not_fail_the_edit(day):
    store, iid = day["store"], day["id"]

    class Broken(StoreListener):
        def on_change(self, change):
            raise RuntimeError("the screen is gone")

    handle = store.subscribe(Broken())
    store.answer(iid, "S07", AnswerValue.PASS())  # committed and reported as such
    assert store.inspection(iid).answers["S07"].value == AnswerValue.PASS()
    handle.unsubscribe()


def test_submit_registers_hazards(day):
    store, iid = day["store"], day["id"]
    screen = Recorder()
    handle = store.subscribe(screen)
    hazards = store.submit(iid)
    assert hazards == [day["finding"]]
    assert screen.changes[-1].hazards == hazards
    handle.unsubscribe()
    detail = store.inspection(iid)
    assert detail.status == InspectionStatus.SUBMITTED and detail.submitted_by.user_id == "inspector-zhang"
    assert detail.conflicts == []
    with pytest.raises(RedlineError.NotAllowed):
        store.answer(iid, "S06", AnswerValue.FAIL())
    day["hazard"] = hazards[0]


def test_documents_render_offline_as_pdf(day):
    store, iid = day["store"], day["id"]
    font = ReportFont.from_file(os.environ.get("REDLINE_TEST_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
    record = store.render_document(iid, PrintedDocument.INSPECTION_RECORD, "西湖区应急管理局", DocumentLanguage.CHINESE, font=font)
    assert record.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=record, capture_output=True, check=True).stdout.decode()
        assert "西湖热力锅炉房" in "".join(text.split())
    # A hazard's id prints its inspection's order; English on request.
    order = store.render_document(day["hazard"], PrintedDocument.RECTIFICATION_ORDER, "西湖区应急管理局", DocumentLanguage.ENGLISH,
                                  font=font)
    assert order.startswith(b"%PDF") and len(order) < 1_500_000
    with pytest.raises(RedlineError.NotAllowed):  # nothing re-checked yet
        store.render_document(iid, PrintedDocument.RECHECK_OPINION, "西湖区应急管理局", DocumentLanguage.CHINESE, font=font)
    with pytest.raises(RedlineError.InvalidInput):  # no font
        store.render_document(iid, PrintedDocument.INSPECTION_RECORD, "西湖区应急管理局", DocumentLanguage.CHINESE)
    with pytest.raises(RedlineError.InvalidInput):
        ReportFont.from_bytes(b"not a font")
    with pytest.raises(RedlineError.NotFound):
        store.render_document(str(uuid.uuid4()), PrintedDocument.INSPECTION_RECORD, "x", DocumentLanguage.CHINESE, font=font)


def test_amendments_after_submit(day):
    store, iid = day["store"], day["id"]
    store.amend_answer(iid, "S11r", AnswerValue.NUMBER(value=0.9), "复核压力表读数")
    store.amend_finding(iid, day["finding"], FindingPatch(responsible="李主管"), "责任人变更")
    detail = store.inspection(iid)
    assert detail.answers["S11r"].value == AnswerValue.NUMBER(value=0.9)
    assert [a.reason for a in detail.amendments] == ["复核压力表读数", "责任人变更"]
    with pytest.raises(RedlineError.NotFound):
        store.resolve_conflict(iid, "answers/S11r", "0.9")


def test_hazard_lifecycle_with_evidence(day):
    store, hid = day["store"], day["hazard"]
    hazard = store.hazard(hid)
    assert hazard.status.state == HazardState.ORDERED and hazard.status.deadline == DEADLINE
    assert hazard.site_name == "西湖热力锅炉房" and hazard.status.is_open
    month_later = (TODAY + timedelta(days=30)).isoformat()
    assert [h.id for h in store.hazards(HazardQuery(overdue_only=True), month_later)] == [hid]
    assert store.hazards(HazardQuery(overdue_only=True)) == []  # today: within its deadline
    with pytest.raises(RedlineError.InvalidInput) as refused:
        store.transition(hid, HazardAction.REPORT_FIX(), "已张贴", [])
    assert "evidence" in refused.value.detail
    with pytest.raises(RedlineError.NotAllowed) as by_role:  # listing is for supervisors
        store.transition(hid, HazardAction.LIST_FOR_SUPERVISION(level=ListingLevel.COUNTY))
    assert "inspector" in by_role.value.detail
    fixed = store.transition(hid, HazardAction.REPORT_FIX(), "登记标志已张贴", [b"after photo 1", b"after photo 2"])
    assert fixed.status.state == HazardState.FIX_REPORTED
    assert len(fixed.transitions[-1].evidence) == 2
    assert store.blob(fixed.transitions[-1].evidence[1]) == b"after photo 2"
    closed = store.transition(hid, HazardAction.RECHECK(accepted=True), "复查合格")
    assert closed.status.state == HazardState.CLOSED and not closed.status.is_open
    assert [type(t.action) for t in closed.transitions] == [HazardAction.REPORT_FIX, HazardAction.RECHECK]
    with pytest.raises(RedlineError.InvalidInput):
        store.transition(hid, HazardAction.ORDER(deadline="not a date", responsible="王经理"))


def test_lists_and_search(day):
    store, iid, hid = day["store"], day["id"], day["hazard"]
    mine = store.inspections(InspectionQuery(participant="inspector-zhang", status=InspectionStatus.SUBMITTED))
    assert [i.id for i in mine] == [iid]
    row = mine[0]
    assert row.kind == InspectionKind.SPECIAL_CAMPAIGN and row.outcome == Outcome.HAZARDS_FOUND and row.failed == 1
    assert store.inspections(InspectionQuery(status=InspectionStatus.DRAFT)) == []
    assert store.inspections(InspectionQuery(day=TODAY.isoformat()))[0].id == iid
    everything = store.hazards(HazardQuery())
    assert [(h.id, h.state, h.grade) for h in everything] == [(hid, HazardState.CLOSED, Grade.GENERAL)]
    assert store.hazards(HazardQuery(open_only=True)) == []
    month_later = (TODAY + timedelta(days=30)).isoformat()
    assert store.hazards(HazardQuery(overdue_only=True), month_later) == []  # closed: never overdue
    hits = store.search("登记标志", 10)
    assert {(h.doc_id, h.kind) for h in hits} >= {(iid, DocumentKind.INSPECTION), (hid, DocumentKind.HAZARD)}
    assert any(h.doc_id == hid for h in store.search("复查", 10))  # two characters: the LIKE path
    with pytest.raises(RedlineError.InvalidInput):
        store.inspections(InspectionQuery(day="yesterday"))
    store.check_integrity()  # raises RedlineError.Storage when the database is damaged


def test_co_inspector_joins_by_id_and_header(day):
    header = day["store"].inspection(day["id"]).header
    colleague = RedlineStore.open(str(day["tmp"].mktemp("colleague") / "phone.db"), inspector("inspector-li", "李检查员"))
    joined = colleague.join_inspection(day["id"], header)
    assert joined.id == day["id"] and joined.header == header
    with pytest.raises(RedlineError.InvalidInput):
        colleague.join_inspection("not-a-uuid", header)


def test_a_panic_comes_back_as_internal_and_the_store_survives(day):
    store = day["store"]
    with pytest.raises(RedlineError.Internal) as fault:
        store.debug_panic("probe from python")
    assert "probe from python" in fault.value.detail
    assert store.templates()  # still usable


def test_log_sink_receives_lines(day):
    store, logs = day["store"], Collector()
    set_log_sink(logs, LogLevel.DEBUG)
    try:
        with pytest.raises(RedlineError.NotFound):
            store.hazard(str(uuid.uuid4()))
    finally:
        clear_log_sink()
    assert (LogLevel.DEBUG, "redline_ffi::hazard") in [(level, target) for level, target, _ in logs.lines]
    count = len(logs.lines)
    with pytest.raises(RedlineError.NotFound):
        store.hazard(str(uuid.uuid4()))
    assert len(logs.lines) == count
