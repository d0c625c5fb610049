"""/health (liveness) and /ready (readiness): nginx starts without a
snapshot, /ready says 503 with a JSON reason and the API 503 no_data; once
a snapshot appears both turn 200 within a couple of reload intervals;
past krj_max_age /ready is 503 stale, and so is a snapshot file refused for
longer than a reload interval or a category behind krj_category_max_age;
the signal date of every category; the switch logged at notice."""

import calendar
import time

import pytest

import krjdata
import krjenv
from krjassert import assert_error, assert_security_headers, get_json

WEEK2 = ["KRJ_signals_latest_week_SP100_2026-01-09.csv",
         "KRJ_signals_latest_week_DRC_2026-01-09.csv"]


def wait_for(pred, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def reason_text(doc):
    """Every string in the /ready body, lower-cased (the reason)."""
    out = []

    def walk(v):
        if isinstance(v, str):
            out.append(v.lower())
        elif isinstance(v, dict):
            for k, x in v.items():
                out.append(str(k).lower())
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(doc)
    return " ".join(out)


def test_health(krj):
    doc, resp = get_json(krj, "/health")
    assert doc == {"status": "ok"}, "/health is {\"status\":\"ok\"}"
    assert resp.headers.get("cache-control") == "no-store", \
        "README krj_status: Cache-Control: no-store"
    assert_security_headers(resp, "/health")


def test_ready_with_data(krj, model):
    r = krj.get("/ready")
    assert r.status == 200, "/ready 200 with a fresh snapshot"
    doc = krjdata.loads(r.body)
    cats, _ = get_json(krj, "/api/v1/categories")
    # shape from ngx_http_krj_status.c (README: only "200 when loaded")
    assert doc.get("status") == "ready", "/ready status is ready"
    assert doc.get("generated_at") == cats["generated_at"], \
        "/ready names the loaded generation"
    assert type(doc.get("age")) is int and doc["age"] >= 0, \
        "/ready age in seconds"
    assert doc.get("categories") == len(model), "/ready category count"
    assert_security_headers(r, "/ready")
    assert r.headers.get("cache-control") == "no-store", \
        "README krj_status: Cache-Control: no-store"


def test_start_without_snapshot_then_appears(make_krj):
    k = make_krj(files=WEEK2, publish=False, start=True)
    assert not k.snapshot.exists()
    doc, r = get_json(k, "/health")
    assert doc == {"status": "ok"}, "/health 200 even without data"
    r = k.get("/ready")
    assert r.status == 503, "/ready 503 while no snapshot is loaded"
    doc = krjdata.loads(r.body)
    assert doc.get("status") == "not_ready" and \
        isinstance(doc.get("reason"), str) and doc["reason"], \
        "/ready 503 is {status: not_ready, reason}: %r" % doc
    assert "krj.snapshot" in doc["reason"], \
        "the reason names the missing snapshot: %r" % doc["reason"]
    assert_security_headers(r, "/ready 503")
    for path in ("/api/v1/categories", "/api/v1/summary",
                 "/api/v1/signals/sp100", "/api/v1/signals/sp100.csv",
                 "/api/v1/tickers/AAPL"):
        assert_error(k.get(path), 503, "no_data", "no snapshot: " + path)
        h = k.get(path, method="HEAD")
        assert h.status == 503 and h.body == b"", "HEAD no_data: " + path

    k.publish()
    t0 = time.time()
    ok = wait_for(lambda: k.get("/ready").status == 200, 5)
    assert ok, "snapshot picked up within a few reload intervals (1s)"
    assert time.time() - t0 < 3.5, \
        "picked up within ~2 reload intervals (took %.1fs)" % (
            time.time() - t0)
    doc, _ = get_json(k, "/api/v1/categories")
    assert [c["slug"] for c in doc["categories"]] == ["drc", "sp100"], \
        "the new snapshot is served"


def test_stale(make_krj):
    k = make_krj(files=WEEK2, publish=False, start=False,
                 http_extra="    krj_max_age 3s;")
    k.publish()
    k.start()
    r = k.get("/ready")
    assert r.status == 200, "/ready 200 while younger than krj_max_age"
    r = wait_for(lambda: (lambda x: x if x.status == 503 else None)(
        k.get("/ready")), 8, 0.25)
    assert r and r.status == 503, "/ready 503 once older than krj_max_age"
    doc = krjdata.loads(r.body)
    assert doc.get("status") == "not_ready", "/ready 503 status not_ready"
    assert "stale" in doc.get("reason", "") or "old" in doc.get("reason", ""),\
        "the reason says the snapshot is stale: %r" % doc
    d, _ = get_json(k, "/api/v1/categories")
    assert d["categories"], "stale data is still served by the API"
    # a fresh publication makes it ready again
    k.add_file("KRJ_signals_latest_week_SP500_2026-01-09.csv")
    k.publish()
    assert wait_for(lambda: k.get("/ready").status == 200, 5), \
        "ready again after a new publication"


def test_ready_signal_dates(krj, model):
    doc, _ = get_json(krj, "/ready")
    version = (krjenv.REPO / "VERSION").read_text().strip()
    assert doc["format"] == 4 and doc["writer"] == "krj-batch " + version, \
        "the format and the writer of the snapshot served: %r" % doc
    dates = doc.get("signal_dates")
    assert [d["category"] for d in dates] == sorted(model), dates
    now = time.time()
    for d in dates:
        assert d["signal_date"] == model[d["category"]].signal_date, d
        midnight = calendar.timegm(time.strptime(d["signal_date"],
                                                 "%Y-%m-%d"))
        assert type(d["age"]) is int and \
            abs(d["age"] - (now - midnight)) < 5, d


def test_ready_refused_file_is_stale(make_krj):
    k = make_krj(files=WEEK2, reload_interval="300ms")
    assert k.get("/ready").status == 200
    good = k.snapshot.read_bytes()
    bad = k.snapshot.with_name("bad.tmp")
    bad.write_bytes(good[:-7] + b"garbage")
    bad.rename(k.snapshot)
    k.allow_log.append("refused")
    # refused within a tick, /ready fails once a reload interval has passed
    r = wait_for(lambda: (lambda x: x if x.status == 503 else None)(
        k.get("/ready")), 5, 0.05)
    assert r is not None, "/ready 503 while the file on disk is refused"
    reason = krjdata.loads(r.body)["reason"]
    assert "refused" in reason and "serving generation" in reason, reason
    # the API still answers from the generation it had
    doc, _ = get_json(k, "/api/v1/categories")
    assert [c["slug"] for c in doc["categories"]] == ["drc", "sp100"]
    # the file put back as it was: ready again
    fixed = k.snapshot.with_name("fixed.tmp")
    fixed.write_bytes(good)
    fixed.rename(k.snapshot)
    assert wait_for(lambda: k.get("/ready").status == 200, 5), \
        "ready again once the file loads"


def test_ready_refused_for_less_than_an_interval(make_krj):
    # the worker refuses the file as soon as it is renamed into place
    # (inotify) or at the next tick; readiness holds for one interval
    # after the refusal, so a file caught while being replaced does not
    # take the node out of a load balancer
    k = make_krj(files=WEEK2, reload_interval="3s")
    k.allow_log.append("refused")
    good = k.snapshot.read_bytes()
    bad = k.snapshot.with_name("bad.tmp")
    bad.write_bytes(good[:100])
    off = k.nginx.log_size()
    bad.rename(k.snapshot)
    assert wait_for(lambda: "shorter than a header"
                    in k.nginx.error_log(off), 3.5), "refused"
    r = k.get("/ready")
    assert r.status == 200, "a refusal younger than one reload interval " \
        "is not yet stale: %r" % r.body
    assert wait_for(lambda: k.get("/ready").status == 503, 4), \
        "stale once refused for longer than one reload interval"


@pytest.mark.parametrize("limits,status,words", [
    ("krj_category_max_age sp100 400d;", 200, None),
    ("krj_category_max_age * 30d;", 503,
     ["category \"drc\"", "2026-01-09", "krj_category_max_age is 2592000"]),
    ("krj_category_max_age * 30d; krj_category_max_age drc 400d;", 503,
     ["category \"sp100\""]),
    ("krj_category_max_age * 400d; krj_category_max_age sp100 30d;", 503,
     ["category \"sp100\""]),
    ("krj_category_max_age fx 400d;", 503,
     ["category \"fx\"", "not in the snapshot"]),
])
def test_category_max_age(make_krj, limits, status, words):
    # the fixtures' signals are of 2026-01-09, months before today
    k = make_krj(files=WEEK2, http_extra="    " + limits)
    r = k.get("/ready")
    assert r.status == status, r.body
    if words:
        reason = krjdata.loads(r.body)["reason"]
        for w in words:
            assert w in reason, (w, reason)


@pytest.mark.parametrize("line,words", [
    ("krj_category_max_age SP500 1d;", "is not a category slug"),
    ("krj_category_max_age sp500 0;", "invalid time"),
    ("krj_category_max_age sp500 often;", "invalid time"),
    ("krj_category_max_age sp500 1d; krj_category_max_age sp500 2d;",
     "duplicate"),
    ("krj_category_max_age sp500;", "invalid number of arguments"),
])
def test_category_max_age_config(make_krj, line, words):
    k = make_krj(files=WEEK2, publish=False, start=False,
                 http_extra="    " + line)
    k.allow_log.append(words)
    rc, out = k.nginx.test_config()
    assert rc != 0 and "[emerg]" in out and words in out, out


def test_switch_logged_at_notice(make_krj):
    k = make_krj(files=WEEK2)
    gen = k.get("/api/v1/categories").headers["etag"].strip('"') \
        .split("-")[0]
    lines = [ln for ln in k.nginx.error_log().splitlines()
             if "[notice]" in ln and "loaded: generation" in ln]
    assert lines, k.nginx.error_log()
    line = lines[-1]
    assert "generation %s, 2 categories" % gen in line, line
    assert "copied and validated in " in line and line.endswith(" ms"), line
    assert ", format 4 by krj-batch " in line, line
