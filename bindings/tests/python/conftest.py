"""Puts the generated Python bindings on the import path for the tests, and
describes the real redline-server the sync tests talk to.

scripts/test-bindings.sh generates `redline_ffi.py` next to a copy of
`libredline_ffi.so` and passes that folder in REDLINE_PY_BINDINGS; run by
hand, point it at any folder made by `uniffi-bindgen generate --language
python`.

The same script starts a fresh `redline-server` for the run and passes
what it printed: REDLINE_TEST_SERVER (its URL) and, per demo user,
REDLINE_TEST_<USER>_DEVICE / _TOKEN (e.g. REDLINE_TEST_INSPECTOR_ZHANG_TOKEN).
REDLINE_TEST_FONT names a CJK font for watermarks.
"""

import os
import sys
from dataclasses import dataclass

import pytest

bindings = os.environ.get("REDLINE_PY_BINDINGS")
if not bindings:
    raise RuntimeError("set REDLINE_PY_BINDINGS to the folder with redline_ffi.py and libredline_ffi.so")
sys.path.insert(0, bindings)


@dataclass(frozen=True)
class Device:
    """A device the server registered for a demo user: the store's identity
    must carry this device id, and the session this token."""

    user_id: str
    device_id: str
    token: str


@dataclass(frozen=True)
class Server:
    url: str
    font: str

    def device(self, user_id):
        var = "REDLINE_TEST_" + user_id.upper().replace("-", "_")
        return Device(user_id, os.environ[var + "_DEVICE"], os.environ[var + "_TOKEN"])


@pytest.fixture(scope="session")
def server():
    """The running server; the sync tests cannot run without one (they
    fail rather than skip, so CI never passes without having synced)."""
    url = os.environ.get("REDLINE_TEST_SERVER")
    if not url:
        raise RuntimeError("REDLINE_TEST_SERVER is not set: run scripts/test-bindings.sh, which starts redline-server")
    font = os.environ.get("REDLINE_TEST_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    return Server(url=url, font=font)
