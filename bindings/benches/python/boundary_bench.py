"""The boundary benchmark from Python: the workload of
bindings/benches/boundary.rs through the generated Python bindings (ctypes),
so the difference to the Rust figures is the cost of crossing the boundary
(lowering arguments, lifting results, Python's own call overhead).

Run by scripts/bench-bindings.sh with REDLINE_PY_BINDINGS pointing at the
generated module and the release library. Prints
`RESULT python <call> median_us=… p90_us=… n=…` lines.
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.environ["REDLINE_PY_BINDINGS"])

from redline_ffi import (  # noqa: E402
    AnswerValue, Identity, InspectionKind, RedlineStore, Role, Site, SiteCategory, version_info,
)

TEMPLATE = "special_equipment"
ITEMS = ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08"]
WARMUP, CALLS, BATCHES, BATCH = 50, 400, 20, 1_000


def report(call, micros):
    micros = sorted(micros)
    at = lambda q: micros[round((len(micros) - 1) * q)]  # noqa: E731
    print(f"RESULT python {call} median_us={at(0.5):.2f} p90_us={at(0.9):.2f} n={len(micros)}")


def per_call(f):
    for i in range(WARMUP):
        f(i)
    out = []
    for i in range(CALLS):
        start = time.perf_counter_ns()
        f(i)
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def batched(f):
    out = []
    for _ in range(BATCHES):
        start = time.perf_counter_ns()
        for _ in range(BATCH):
            f()
        out.append((time.perf_counter_ns() - start) / 1000 / BATCH)
    return out


def main():
    # REDLINE_BENCH_DIR: where the store goes (tmpfs takes fsync out).
    with tempfile.TemporaryDirectory(dir=os.environ.get("REDLINE_BENCH_DIR")) as tmp:
        store = RedlineStore.open(os.path.join(tmp, "phone.db"),
                                  Identity(user_id="bench", name="Bench", role=Role.INSPECTOR, device_id="bench-py"))
        store.put_sites([Site(id="site-boiler", name="西湖热力锅炉房", address="杭州市西湖区文三路 1 号",
                              area="zj/hz/xh/c01", categories=[SiteCategory.SPECIAL_EQUIPMENT])])
        iid = store.start_inspection("site-boiler", InspectionKind.SPECIAL_CAMPAIGN, TEMPLATE).id
        passed, failed = AnswerValue.PASS(), AnswerValue.FAIL()
        report("answer", per_call(lambda i: store.answer(iid, ITEMS[i % len(ITEMS)], passed if i % 2 == 0 else failed)))
        report("inspection", per_call(lambda i: store.inspection(iid)))
        report("version_info", batched(version_info))


if __name__ == "__main__":
    main()
