"""krj_status metrics: Prometheus' text format 0.0.4 and OpenMetrics from
krj_zone, every counter moved by exactly the requests made across two
workers, histograms cumulative, promtool on every scrape, the metrics
scope, $krj_route, and nginx -t without krj_zone."""

import base64
import hashlib
import os
import subprocess
import time

import pytest

from prometheus_client.openmetrics import parser as om_parser
from prometheus_client.parser import text_string_to_metric_families

import krjdata
from krjassert import assert_error, assert_security_headers

WEEK2 = ["KRJ_signals_latest_week_SP500_2026-01-09.csv",
         "KRJ_signals_latest_week_SP100_2026-01-09.csv"]


def new_key():
    return "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")


GOOD, SP500, OLD, SLOW, MON, GONE, UNKNOWN = (new_key() for _ in range(7))


def digest(key):
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


KEY_FILE = (
    "all:%s:*\n"
    "sp500-only:%s:sp500\n"
    "old:%s:*:expires=2020-01-01\n"
    "slow:%s:*\n"
    "monitoring:%s:metrics\n"
    "gone:%s:*:revoked=2026-01-01\n"
) % (digest(GOOD), digest(SP500), digest(OLD), digest(SLOW), digest(MON),
     digest(GONE))

LOCATIONS = """
        location /api/v1/ {
            krj_auth key;
            krj_limit rate=100r/s burst=100 nodelay;
            krj_api;
            access_log %(log)s krjroute;
        }
        location /limited/ {
            krj_auth key;
            krj_limit rate=1r/m nodelay;
            krj_api;
        }
        location = /health { krj_status health; }
        location = /ready  { krj_status ready; }
        location = /metrics { krj_status metrics; }
        location = /metrics/protected {
            krj_auth key;
            krj_status metrics;
        }
"""


def bearer(key):
    return {"Authorization": "Bearer " + key}


def promtool(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    assert r.returncode == 0, "promtool check metrics:\n%s%s\n---\n%s" % (
        r.stdout.decode(), r.stderr.decode(), text[:2000])


def scrape(k, path="/metrics", headers=None):
    """The samples of one scrape, checked by promtool: {(name, labels)}."""
    r = k.get(path, headers=headers)
    assert r.status == 200, "GET %s: %d %r" % (path, r.status, r.body[:300])
    assert r.headers["content-type"] == \
        "text/plain; version=0.0.4; charset=utf-8", r.headers
    assert r.headers.get("cache-control") == "no-store"
    assert_security_headers(r, path)
    text = r.body.decode()
    promtool(text)
    samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("metrics")
    keys = tmp / "keys"
    keys.write_text(KEY_FILE)
    log = tmp / "route.log"
    krj = f(files=WEEK2, workers=2, listen_extra="reuseport",
            http_extra="    krj_key_file %s;\n"
                       "    log_format krjroute '$pid $krj_route $status "
                       "$http_x_krj_test';\n"
                       % keys,
            locations=LOCATIONS % {"log": log}, start=False)
    krj.route_log = log
    krj.allow_log = ["limiting requests", "unknown key", "has expired",
                     "was revoked on 2026-01-01",
                     "no credentials", "no access to category"]
    krj.start()
    yield krj
    f.finish()


def test_counters_move_by_the_requests_made(k):
    before = scrape(k)

    n_good = 12
    for _ in range(n_good):
        r = k.get("/api/v1/categories", headers=bearer(GOOD))
        assert r.status == 200
    for _ in range(3):
        assert k.get("/api/v1/categories",
                     headers=bearer(UNKNOWN)).status == 401
    assert k.get("/api/v1/categories").status == 401            # missing
    assert k.get("/api/v1/summary", headers=bearer(OLD)).status == 401
    assert k.get("/api/v1/summary", headers=bearer(GONE)).status == 401
    assert_error(k.get("/api/v1/signals/nosuch", headers=bearer(GOOD)),
                 404, "unknown_category")
    assert_error(k.get("/api/v1/nope", headers=bearer(GOOD)), 404,
                 "not_found")
    assert k.get("/api/v1/signals/sp100",
                 headers=bearer(SP500)).status == 403           # scope
    r = k.get("/api/v1/summary", headers=bearer(GOOD))
    etag = r.headers["etag"]
    r304 = k.get("/api/v1/summary",
                 headers=dict(bearer(GOOD), **{"If-None-Match": etag}))
    assert r304.status == 304
    gz = k.get("/api/v1/signals/sp500",
               headers=dict(bearer(GOOD), **{"Accept-Encoding": "gzip"}))
    assert gz.status == 200 and gz.headers["content-encoding"] == "gzip"
    csv = k.get("/api/v1/signals/sp500.csv", headers=bearer(GOOD))
    assert csv.status == 200 and "content-encoding" not in csv.headers
    head = k.get("/api/v1/signals/sp500.csv", headers=bearer(GOOD),
                 method="HEAD")
    assert head.status == 200 and head.body == b""
    assert k.get("/limited/tickers/AAPL", headers=bearer(SLOW)).status \
        == 200
    assert_error(k.get("/limited/tickers/AAPL", headers=bearer(SLOW)), 429,
                 "rate_limited")
    assert k.request("POST", "/api/v1/categories", headers=bearer(GOOD),
                     body=b"x").status == 405
    assert k.get("/health").status == 200

    made = 30                   # the requests above, route by route below
    req = "krj_http_requests_total"

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # A request is counted in its log phase, just after its last byte is
    # sent: the scrape, on the other worker, can arrive first.  Scrape
    # again until every request made is counted, then check each count.
    deadline = time.monotonic() + 3
    scrapes = 0
    while True:
        after = scrape(k)
        scrapes += 1
        counted = sum(moved(n, **dict(lb)) for (n, lb) in after
                      if n == req and dict(lb)["route"] != "metrics")
        first = moved(req, route="metrics", status="2xx")
        if (counted >= made and first) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert counted == made

    assert moved(req, route="categories", status="2xx") == n_good
    assert moved(req, route="categories", status="4xx") == 3 + 1 + 1
    assert moved(req, route="summary", status="2xx") == 1
    assert moved(req, route="summary", status="3xx") == 1
    assert moved(req, route="summary", status="4xx") == 2
    assert moved(req, route="signals", status="4xx") == 2
    assert moved(req, route="signals", status="2xx") == 1
    assert moved(req, route="signals_csv", status="2xx") == 2
    assert moved(req, route="tickers", status="2xx") == 1
    assert moved(req, route="tickers", status="4xx") == 1
    assert moved(req, route="other", status="4xx") == 1
    assert moved(req, route="health", status="2xx") == 1
    # the first scrape and every retry but the last, which may not be
    # logged yet; a scrape does not count itself
    assert 1 <= moved(req, route="metrics", status="2xx") <= scrapes
    assert moved(req, route="metrics", status="2xx") >= scrapes - 1

    b = "krj_http_response_bytes_total"
    assert moved(b, route="signals", encoding="gzip") == len(gz.body)
    assert moved(b, route="signals_csv", encoding="identity") == \
        len(csv.body)

    auth = "krj_auth_outcomes_total"
    # 12 categories, 2 summary, 1 unknown category, 1 unknown path, the
    # gzip, the csv, the HEAD, 2 slow tickers (the second then limited),
    # the POST
    assert moved(auth, method="key", result="ok") == n_good + 2 + 1 + 1 \
        + 1 + 1 + 1 + 2 + 1
    assert moved(auth, method="key", result="bad_credentials") == 3
    assert moved(auth, method="key", result="expired") == 1
    assert moved(auth, method="key", result="revoked") == 1
    assert moved(auth, method="key", result="forbidden_scope") == 1
    assert moved(auth, method="none", result="missing") == 1
    assert moved(auth, method="key", result="locked_out") == 0
    assert moved("krj_rate_limited_requests_total") == 1

    pids = {line.split()[0] for line in
            k.route_log.read_text().splitlines()}
    assert len(pids) == 2, "both workers answered: %r" % pids


def test_histograms_are_cumulative_and_count_the_requests(k):
    for _ in range(4):
        k.get("/api/v1/categories", headers=bearer(GOOD))
    s = scrape(k)
    routes = {dict(lb)["route"] for (n, lb) in s
              if n == "krj_http_request_duration_seconds_count"}
    assert {"categories", "metrics"} <= routes
    for route in routes:
        buckets = sorted(
            ((float(dict(lb)["le"]), v) for (n, lb), v in s.items()
             if n == "krj_http_request_duration_seconds_bucket"
             and dict(lb)["route"] == route))
        assert len(buckets) == 15 and buckets[0][0] == 5e-05 \
            and buckets[-1][0] == float("inf")
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), "cumulative: %r" % counts
        total = value(s, "krj_http_request_duration_seconds_count",
                      route=route)
        assert counts[-1] == total
        made = sum(value(s, "krj_http_requests_total", route=route,
                         status=c) for c in ("1xx", "2xx", "3xx", "4xx",
                                             "5xx"))
        assert total == made, "%s: _count %s, requests %s" % (
            route, total, made)
        assert value(s, "krj_http_request_duration_seconds_sum",
                     route=route) > 0


def test_snapshot_and_zone_gauges(k):
    s = scrape(k)
    cats = krjdata.loads(k.get("/api/v1/categories",
                               headers=bearer(GOOD)).body)
    gen = k.get("/api/v1/categories", headers=bearer(GOOD)) \
        .headers["etag"].strip('"').split("-")[0]
    assert value(s, "krj_snapshot_info", generation=gen) == 1
    assert value(s, "krj_snapshot_categories") == 2
    for c in cats["categories"]:
        assert value(s, "krj_category_rows", category=c["slug"]) == \
            c["rows"]
        assert value(s, "krj_category_signal_date_timestamp_seconds",
                     category=c["slug"]) == 1767916800  # 2026-01-09
    assert value(s, "krj_snapshot_age_seconds") >= 0
    assert value(s, "krj_snapshot_generated_timestamp_seconds") > 1.7e9
    assert value(s, "krj_snapshot_loads_total") >= 1
    for reason in ("open", "size", "read", "invalid"):
        assert ("krj_snapshot_refusals_total",
                (("reason", reason),)) in s
    assert value(s, "krj_snapshot_load_duration_seconds") > 0
    assert value(s, "krj_zone_size_bytes") == 1024 * 1024
    assert 0 < value(s, "krj_zone_used_bytes") <= 1024 * 1024
    assert value(s, "krj_zone_nodes") >= 1
    assert ("krj_zone_evictions_total", ()) in s


def test_openmetrics_when_asked(k):
    r = k.get("/metrics", headers={
        "Accept": "application/openmetrics-text;version=1.0.0,"
                  "text/plain;version=0.0.4;q=0.5"})
    assert r.status == 200
    assert r.headers["content-type"] == \
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    text = r.body.decode()
    assert text.endswith("# EOF\n")
    fams = {f.name: f for f in om_parser.text_string_to_metric_families(
        text)}
    assert fams["krj_http_requests"].type == "counter"
    assert fams["krj_snapshot"].type == "info"
    assert fams["krj_http_request_duration_seconds"].type == "histogram"
    assert "# TYPE krj_http_requests counter" in text


def test_metrics_scope(k):
    # exempt from an inherited krj_auth unless configured, as /health
    assert k.get("/metrics").status == 200
    # configured: a key scoped "metrics"; "*" is every category, not this
    assert k.get("/metrics/protected").status == 401
    scrape(k, "/metrics/protected", headers=bearer(MON))
    r = k.get("/metrics/protected", headers=bearer(GOOD))
    assert_error(r, 403, "forbidden")
    assert "metrics" in krjdata.loads(r.body)["error"]["message"]
    assert_error(k.get("/metrics/protected", headers=bearer(SP500)), 403,
                 "forbidden")
    # and the monitoring key reads no data
    assert k.get("/api/v1/signals/sp500", headers=bearer(MON)).status \
        == 403


def test_route_variable(k):
    # a worker writes its log line after the answer has gone out, so an
    # earlier test's last line may still come: this test's are marked
    h = dict(bearer(GOOD), **{"X-Krj-Test": "route"})
    k.get("/api/v1/signals/sp500.csv", headers=h)
    k.get("/api/v1/signals/sp500", headers=h)
    k.get("/api/v1/tickers/AAPL", headers=h)
    deadline = time.time() + 5
    while time.time() < deadline:
        lines = [ln.split() for ln in k.route_log.read_text().splitlines()
                 if ln.endswith(" route")]
        if len(lines) >= 3:
            break
        time.sleep(0.02)
    assert sorted(ln[1:3] for ln in lines) == sorted([
        ["signals_csv", "200"], ["signals", "200"], ["tickers", "200"]])


def test_metrics_need_a_zone(make_krj):
    k = make_krj(files=WEEK2, publish=False, start=False, zone="",
                 locations="location = /metrics { krj_status metrics; }")
    k.allow_log.append("needs \"krj_zone\"")
    rc, out = k.nginx.test_config()
    assert rc != 0
    assert "[emerg]" in out and "\"krj_status metrics\" needs \"krj_zone\"" \
        in out, out


def test_without_snapshot(make_krj):
    k = make_krj(files=WEEK2, publish=False,
                 locations="location = /metrics { krj_status metrics; }")
    s = scrape(k)
    assert ("krj_snapshot_info", ()) not in s
    assert value(s, "krj_snapshot_refusals_total", reason="open") == 1
    assert value(s, "krj_snapshot_loads_total") == 0
