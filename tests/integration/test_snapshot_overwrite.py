"""No file operation on krj.snapshot crashes a worker or stops the data
being served: truncate, `>` and cp over the file in place (krj-batch
renames, an operator may not), under load.  The worker serves a sealed
copy of what it validated, so the old generation goes on until a valid
file is in place, and the new one is then served."""

import json
import os
import shutil
import threading
import time

import krjenv


def _load(k, stop, failures, counts):
    """Requests in a loop: every answer must be a whole, valid 200."""
    paths = ["/api/v1/signals/sp500?limit=5&sort=-c",
             "/api/v1/signals/sp500", "/api/v1/categories",
             "/api/v1/tickers/AAPL"]
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        try:
            r = k.get(path)
        except Exception as e:             # a reset or a short answer
            failures.append("%s: %r" % (path, e))
            continue
        if r.status != 200:
            failures.append("%s: %d %r" % (path, r.status, r.body[:200]))
            continue
        try:
            json.loads(r.body)
        except ValueError as e:
            failures.append("%s: invalid JSON: %s" % (path, e))
            continue
        counts.append(r.headers.get("etag", ""))


def _generation(k):
    return json.loads(k.get("/api/v1/categories").body)["categories"]


def test_overwrite_in_place_under_load(make_krj, tmp_path):
    k = make_krj(workers=2, reload_interval="100ms")
    k.allow_log = [r"\[error\].*krj: snapshot .* refused"]
    snap = k.snapshot
    good = snap.read_bytes()

    # another valid snapshot, of fewer categories, made elsewhere
    other_out = tmp_path / "other"
    other_in = tmp_path / "other-in"
    other_in.mkdir()
    shutil.copy(krjenv.DATA / "KRJ_signals_latest_week_SP500_2026-01-09.csv",
                other_in)
    r = krjenv.run_batch("run", input=other_in, output=other_out)
    assert r.returncode == 0, r.stderr
    other = (other_out / "krj.snapshot").read_bytes()
    assert len(_generation(k)) > 1

    stop = threading.Event()
    failures, counts = [], []
    threads = [threading.Thread(target=_load, args=(k, stop, failures,
                                                    counts))
               for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        os.truncate(snap, 4096)                  # truncate -s 4096
        time.sleep(0.8)
        with open(snap, "w"):                    # > krj.snapshot
            pass
        time.sleep(0.8)
        with open(snap, "r+b") as f:             # cp garbage, in place
            f.write(b"\0" * 100000)
        time.sleep(0.8)
        with open(snap, "r+b") as f:             # a valid file cut short
            f.truncate(0)
            f.write(good[:len(good) // 2])
        time.sleep(0.8)
        before = len(counts)
        with open(snap, "r+b") as f:             # cp other krj.snapshot
            f.truncate(0)
            f.write(other)
        deadline = time.time() + 10
        while time.time() < deadline and len(_generation(k)) != 1:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)

    assert not failures, "failed requests:\n" + "\n".join(failures[:20])
    assert len(counts) > before > 50, "the load ran throughout"
    cats = _generation(k)
    assert [c["slug"] for c in cats] == ["sp500"], \
        "the valid file copied in place is served"
    log = k.nginx.error_log()
    assert "exited on signal" not in log
    assert "refused" in log, "the bad states were refused, and said so"
    # each bad state is logged once, by one worker, not every tick
    assert log.count("refused:") <= 8, log


def test_bad_file_before_any_load_is_a_clean_503(make_krj):
    k = make_krj(start=False)
    k.allow_log = [r"\[error\].*krj: snapshot .* refused"]
    k.publish()
    os.truncate(k.snapshot, 100)
    k.start()
    r = k.get("/api/v1/categories")
    assert r.status == 503
    assert json.loads(r.body)["error"]["code"] == "no_data"
    r = k.get("/ready")
    assert r.status == 503 and b"shorter than a header" in r.body
