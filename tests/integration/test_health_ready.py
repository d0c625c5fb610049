"""/health (liveness) and /ready (readiness): nginx starts without a
snapshot, /ready says 503 with a JSON reason and the API 503 no_data; once
a snapshot appears both turn 200 within a couple of reload intervals;
past krj_max_age /ready is 503 stale."""

import time

import pytest

import krjdata
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
