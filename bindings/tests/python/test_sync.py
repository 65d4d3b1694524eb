"""Two phones and a real redline-server through the generated Python
bindings: sync (async, with progress and cancellation), photo capture with
watermark, thumbnails and full photos, conflicts, hazard transitions from
the other phone, observers fired by sync, the quarantine, typed errors.

Phone A is inspector Zhang, phone B supervisor Li, each a store whose
identity carries the device id the server printed for that user. The tests
run in file order, like a day of the app: A inspects nh-chem-01 with a
photo, B sees it, both answer the same item, B reports the fix, A
re-checks. Async calls are awaited with asyncio, as an app's event loop
would.
"""

import asyncio
import hashlib
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from redline_ffi import (
    AnswerValue, CancellationToken, CaptureOptions, DocumentKind, GeoPoint, Grade, HazardAction, HazardState,
    Identity, InspectionKind, NewFinding, PhotoOwner, PhotoProblem, RedlineError, RedlineStore, RejectedUpload,
    Role, StoreListener, SyncProgressListener, SyncSession, WatermarkFont, debug_sample_jpeg,
)

SITE = "nh-chem-01"
SITE_NAME = "湘家荡精细化工仓储"
TEMPLATE = "hazardous_chemicals"
DEADLINE = (datetime.now(timezone(timedelta(hours=8))).date() + timedelta(days=10)).isoformat()
JPEG = b"\xff\xd8"


def run(call):
    """Awaits one async binding call on a fresh event loop."""
    return asyncio.run(call)


class Progress(SyncProgressListener):
    """A progress bar: remembers every update and the threads it came on."""

    def __init__(self):
        self.updates = []
        self.threads = set()

    def on_progress(self, progress):
        self.updates.append(progress)
        self.threads.add(threading.current_thread().name)


class Recorder(StoreListener):
    def __init__(self):
        self.changes = []

    def on_change(self, change):
        self.changes.append(change)


def open_phone(tmp, server, user, name, role):
    device = server.device(user)
    store = RedlineStore.open(str(tmp.mktemp(user) / "phone.db"),
                              Identity(user_id=user, name=name, role=role, device_id=device.device_id))
    return store, SyncSession(store, server.url, device.token)


@pytest.fixture(scope="module")
def day(tmp_path_factory, server):
    a, sync_a = open_phone(tmp_path_factory, server, "inspector-zhang", "张检查员", Role.INSPECTOR)
    b, sync_b = open_phone(tmp_path_factory, server, "supervisor-li", "李主任", Role.SUPERVISOR)
    return {"a": a, "sync_a": sync_a, "b": b, "sync_b": sync_b, "server": server, "tmp": tmp_path_factory}


def test_first_sync_brings_the_region_with_progress(day):
    a, b = day["a"], day["b"]
    progress = Progress()
    result = run(day["sync_a"].sync(progress))
    assert progress.updates and progress.updates[-1].round_trips == result.round_trips >= 1
    assert progress.updates[-1].bytes_down == result.bytes_down > 0
    assert threading.current_thread().name not in progress.threads  # the library's thread, not the caller's
    assert result.rejected == [] and result.blobs_uploaded == 0
    assert a.site(SITE).name == SITE_NAME
    assert all(s.area.startswith("zj/jx/nh") for s in a.sites())  # the district: Zhang's scope
    names = {p.user_id: p.role for p in a.people()}  # colleagues came down with the sites
    assert names["supervisor-li"] == Role.SUPERVISOR and "inspector-zhang" in names

    class Broken(SyncProgressListener):
        def on_progress(self, progress):
            raise RuntimeError("the progress bar is gone")

    run(day["sync_b"].sync(Broken()))  # a failing listener does not fail the sync
    assert b.site(SITE).name == SITE_NAME


def test_capture_needs_a_font_and_an_image(day):
    a = day["a"]
    iid = a.start_inspection(SITE, InspectionKind.ROUTINE_PATROL, TEMPLATE).id
    day["id"] = iid
    with pytest.raises(RedlineError.InvalidInput) as no_font:
        run(a.capture_photo(iid, PhotoOwner.ANSWER(item_id="H21"), debug_sample_jpeg(64, 48), CaptureOptions()))
    assert "font" in no_font.value.detail
    with pytest.raises(RedlineError.InvalidInput):
        WatermarkFont.from_bytes(b"not a font")
    font = WatermarkFont.from_file(day["server"].font)
    assert font.covers(SITE_NAME + "张检查员")
    a.set_watermark_font(font)
    day["b"].set_watermark_font(WatermarkFont.from_file(day["server"].font))
    with pytest.raises(RedlineError.InvalidInput) as not_a_photo:
        run(a.capture_photo(iid, PhotoOwner.ANSWER(item_id="H21"), b"not a photo", CaptureOptions()))
    assert not_a_photo.value.photo == PhotoProblem.NOT_AN_IMAGE
    camera = debug_sample_jpeg(64, 48)
    with pytest.raises(RedlineError.InvalidInput) as cut_short:
        run(a.capture_photo(iid, PhotoOwner.ANSWER(item_id="H21"), camera[: len(camera) // 2], CaptureOptions()))
    assert cut_short.value.photo == PhotoProblem.TRUNCATED


def test_inspection_with_a_captured_photo_is_uploaded(day):
    a, iid = day["a"], day["id"]
    a.answer(iid, "H26", AnswerValue.NUMBER(value=5.0))
    a.answer(iid, "H21", AnswerValue.FAIL(), note="防爆电器损坏")
    for item in a.summary(iid).unanswered:
        a.answer(iid, item, AnswerValue.PASS())
    finding = a.add_finding(iid, NewFinding(item_id="H21", description="仓库防爆灯具外壳破损", grade=Grade.GENERAL,
                                            deadline=DEADLINE, responsible="王经理"))
    camera = debug_sample_jpeg(1600, 1200)
    photo = run(a.capture_photo(iid, PhotoOwner.FINDING(finding_id=finding), camera,
                                CaptureOptions(max_edge=800, location=GeoPoint(lat=30.16, lon=120.09))))
    assert (photo.width, photo.height) == (800, 600) and photo.thumb_hash
    assert photo.location == GeoPoint(lat=30.16, lon=120.09) and photo.by.user_id == "inspector-zhang"
    stored = a.blob(photo.hash)
    assert stored[:2] == JPEG and len(stored) == photo.size and stored != camera
    assert set(a.blobs_to_upload()) == {photo.hash, photo.thumb_hash}
    assert a.inspection(iid).photos == [photo] and a.summary(iid).missing_photos == []

    progress = Progress()
    result = run(day["sync_a"].sync(progress))
    assert progress.updates, "the progress listener never fired"
    assert result.blobs_uploaded == 2 and result.bytes_up > photo.size
    assert iid in result.accepted and result.rejected == []
    assert a.blobs_to_upload() == []
    day.update(finding=finding, photo=photo)


def test_the_other_phone_gets_the_thumbnail_and_fetches_the_photo(day):
    a, b, iid, photo = day["a"], day["b"], day["id"], day["photo"]
    result = run(day["sync_b"].sync())
    assert iid in result.changed and result.downloaded_docs >= 1
    seen = b.inspection(iid)
    assert seen.header.site_name == SITE_NAME and seen.photos == [photo]
    assert b.blob(photo.thumb_hash)[:2] == JPEG  # came down with the document
    with pytest.raises(RedlineError.NotFound):
        b.blob(photo.hash)  # full photos wait until asked for
    full = run(day["sync_b"].fetch_photo(photo.hash))
    assert full == a.blob(photo.hash) and b.blob(photo.hash) == full
    with pytest.raises(RedlineError.NotFound):
        run(day["sync_b"].fetch_photo(hashlib.sha256(b"never uploaded").hexdigest()))


def test_concurrent_answers_conflict_until_resolved(day):
    a, b, iid = day["a"], day["b"], day["id"]
    a.answer(iid, "H22", AnswerValue.PASS(), note="张：已核对")
    b.answer(iid, "H22", AnswerValue.PASS(), note="李：已核对")
    for session in ("sync_a", "sync_b", "sync_a"):
        run(day[session].sync())
    for phone in (a, b):
        conflicts = phone.inspection(iid).conflicts
        assert [c.path for c in conflicts] == ["answers/H22"]
        assert {v.by.user_id for v in conflicts[0].values} == {"inspector-zhang", "supervisor-li"}
    conflict = a.inspection(iid).conflicts[0]
    with pytest.raises(RedlineError.InvalidInput):
        a.resolve_conflict(iid, conflict.path, '"neither"')
    mine = next(v.value for v in conflict.values if v.by.user_id == "inspector-zhang")
    a.resolve_conflict(iid, conflict.path, mine)
    assert a.inspection(iid).conflicts == []
    assert iid in run(day["sync_a"].sync()).accepted
    run(day["sync_b"].sync())
    assert b.inspection(iid).conflicts == [] and b.inspection(iid).answers["H22"].note == "张：已核对"


def test_a_transition_on_the_other_phone_reaches_the_first_by_sync(day):
    a, b, iid, finding = day["a"], day["b"], day["id"], day["finding"]
    assert a.submit(iid) == [finding]
    assert set(run(day["sync_a"].sync()).accepted) >= {iid, finding}
    assert finding in run(day["sync_b"].sync()).changed
    hazard = b.hazard(finding)
    assert hazard.status.state == HazardState.ORDERED and hazard.photos[0].hash == day["photo"].hash

    evidence = run(b.capture_evidence(finding, debug_sample_jpeg(640, 480), CaptureOptions()))
    assert evidence.thumb_hash and evidence.by.user_id == "supervisor-li"
    fixed = b.transition_with_photos(finding, HazardAction.REPORT_FIX(), "灯具已更换", [evidence])
    assert fixed.status.state == HazardState.FIX_REPORTED and fixed.transitions[-1].evidence == [evidence.hash]
    assert run(day["sync_b"].sync()).blobs_uploaded == 2

    screen = Recorder()
    handle = a.subscribe(screen)
    result = run(day["sync_a"].sync())
    handle.unsubscribe()
    assert finding in result.changed
    assert any(finding in c.hazards for c in screen.changes), "the observer did not hear about the sync"
    seen = a.hazard(finding)
    assert seen.status.state == HazardState.FIX_REPORTED and seen.transitions[-1].by.user_id == "supervisor-li"
    assert a.blob(evidence.thumb_hash)[:2] == JPEG
    closed = a.transition(finding, HazardAction.RECHECK(accepted=True), "复查合格")
    assert closed.status.state == HazardState.CLOSED
    run(day["sync_a"].sync())
    run(day["sync_b"].sync())
    assert b.hazard(finding).status.state == HazardState.CLOSED


def test_evicted_photos_come_back_on_demand(day):
    a, photo = day["a"], day["photo"]
    assert a.evict_photos(0) >= 1
    with pytest.raises(RedlineError.NotFound):
        a.blob(photo.hash)
    assert a.blob(photo.thumb_hash)[:2] == JPEG  # thumbnails stay
    full = run(day["sync_a"].fetch_photo(photo.hash))
    assert hashlib.sha256(full).hexdigest() == photo.hash


def test_a_refused_upload_is_quarantined(day):
    # Chen's scope is the qx community; nh-chem-01 lies in xjd. The phone
    # does not know scopes, the server does: it refuses and says "not found".
    chen, sync_chen = open_phone(day["tmp"], day["server"], "assistant-chen", "陈安全员", Role.COMMUNITY_ASSISTANT)
    run(sync_chen.sync())
    assert [s.id for s in chen.sites("精细化工")] == []
    chen.put_sites([day["a"].site(SITE)])
    iid = chen.start_inspection(SITE, InspectionKind.SELF_INSPECTION, TEMPLATE).id
    result = run(sync_chen.sync())
    assert result.rejected == [RejectedUpload(doc_id=iid, reason="not found")] and iid not in result.accepted
    [kept] = chen.quarantine()
    assert (kept.doc_id, kept.kind, kept.reason) == (iid, DocumentKind.INSPECTION, "not found") and kept.size > 0
    assert len(chen.export_quarantined(kept.id)) == kept.size
    with pytest.raises(RedlineError.NotFound):
        chen.export_quarantined(kept.id + 1000)
    with pytest.raises(RedlineError.NotFound):
        chen.inspection(iid)  # back to the server's state: it holds nothing of it


def test_sync_errors_are_typed(day):
    a, url = day["a"], day["server"].url
    with pytest.raises(RedlineError.InvalidInput):
        SyncSession(a, "ftp://example.org", "token")
    # Extra roots for an office's own certificate authority: text that is
    # not a certificate is refused; none at all is the plain session.
    with pytest.raises(RedlineError.InvalidInput):
        SyncSession.with_roots(a, url, "token", ["not a certificate"])
    with pytest.raises(RedlineError.InvalidInput):
        SyncSession.with_roots(a, url, "token", ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
    assert SyncSession.with_roots(a, url, "token", []).server_url() == url
    early = CancellationToken()
    early.cancel()
    with pytest.raises(RedlineError.Cancelled):
        run(day["sync_a"].sync(cancel=early))
    with pytest.raises(RedlineError.NotAllowed):
        run(SyncSession(a, url, "0" * 64).sync())

    async def offline():
        # Nothing listens on port 1: the client retries with backoff (~3 s)
        # and then reports a retryable network error. A second sync to the
        # same dead server is cancelled while it waits between attempts.
        dead = "http://127.0.0.1:1"
        token = CancellationToken()
        waiting = asyncio.ensure_future(SyncSession(a, dead, "t").sync(cancel=token))
        failing = asyncio.ensure_future(SyncSession(RedlineStore.open(
            str(day["tmp"].mktemp("offline") / "p.db"), Identity(user_id="u", name="u", role=Role.INSPECTOR,
                                                                   device_id=str(uuid.uuid4()))), dead, "t").sync())
        await asyncio.sleep(0.3)
        token.cancel()
        with pytest.raises(RedlineError.Cancelled):
            await asyncio.wait_for(waiting, 2)
        with pytest.raises(RedlineError.Network) as network:
            await failing
        assert network.value.retryable

    run(offline())
