"""The encrypted store through the generated Python bindings: opened with
the app's key (bytes), nothing of an inspection readable in any file, the
wrong key and a missing key are RedlineError.WrongKey and change nothing,
rekey moves the store to a new key, and a store in clear is encrypted on
its first open with a key.
"""

import gc
import os
import uuid

import pytest

from redline_ffi import AnswerValue, Identity, InspectionKind, RedlineError, RedlineStore, Role, Site, SiteCategory

KEY = os.urandom(32)
NEW_KEY = os.urandom(32)
MARK = "py-secret-note-marker"


def inspector():
    return Identity(user_id="inspector-zhang", name="张检查员", role=Role.INSPECTOR, device_id=str(uuid.uuid4()))


def files_containing(folder, needle):
    found = []
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                if needle in f.read():
                    found.append(name)
    return found


def inspect(store):
    store.put_sites([Site(id="site-chem", name="转塘化工仓储公司", address="杭州市西湖区转塘街道 88 号", area="zj/hz/xh/zt",
                          categories=[SiteCategory.HAZARDOUS_CHEMICALS])])
    iid = store.start_inspection("site-chem", InspectionKind.ROUTINE_PATROL, "hazardous_chemicals").id
    item = store.template_items("hazardous_chemicals").sections[0].items[0].id
    store.answer(iid, item, AnswerValue.FAIL(), f"{MARK} 储罐区无围堰")
    return iid


def close(store):
    del store
    gc.collect()


def test_an_encrypted_store_keeps_the_inspection_and_no_file_shows_it(tmp_path):
    db = str(tmp_path / "phone.db")
    who = inspector()
    store = RedlineStore.open_encrypted(db, who, KEY)
    assert store.is_encrypted()
    iid = inspect(store)
    close(store)
    assert files_containing(tmp_path, MARK.encode()) == []
    store = RedlineStore.open_encrypted(db, who, KEY)
    assert any(a.note and a.note.startswith(MARK) for a in store.inspection(iid).answers.values())


def test_wrong_or_missing_key_is_wrong_key_then_rekey(tmp_path):
    db = str(tmp_path / "phone.db")
    who = inspector()
    store = RedlineStore.open_encrypted(db, who, KEY)
    iid = inspect(store)
    before = open(db, "rb").read()
    with pytest.raises(RedlineError.WrongKey):
        RedlineStore.open_encrypted(db, who, NEW_KEY)
    with pytest.raises(RedlineError.WrongKey):
        RedlineStore.open(db, who)
    with pytest.raises(RedlineError.InvalidInput):
        RedlineStore.open_encrypted(db, who, b"short")
    assert open(db, "rb").read() == before

    store.rekey(NEW_KEY)
    close(store)
    with pytest.raises(RedlineError.WrongKey):
        RedlineStore.open_encrypted(db, who, KEY)
    assert RedlineStore.open_encrypted(db, who, NEW_KEY).inspection(iid).id == iid


def test_a_store_in_clear_is_encrypted_on_first_open_with_a_key(tmp_path):
    db = str(tmp_path / "phone.db")
    who = inspector()
    clear = RedlineStore.open(db, who)
    assert not clear.is_encrypted()
    iid = inspect(clear)
    with pytest.raises(RedlineError.NotAllowed):
        clear.rekey(KEY)
    close(clear)
    assert files_containing(tmp_path, MARK.encode()) != []
    store = RedlineStore.open_encrypted(db, who, KEY)
    assert files_containing(tmp_path, MARK.encode()) == []
    assert store.inspection(iid).id == iid
