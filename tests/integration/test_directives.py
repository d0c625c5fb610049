"""Configuration: every bad krj directive fails `nginx -t` with a precise
[emerg] naming the file and line; the good configuration passes."""

import re
import time

import pytest

import krjenv
from krjenv import Nginx

GOOD_HTTP = """
    krj_snapshot %(snap)s;
    krj_reload_interval 1s;
    krj_max_age 8d;
    krj_zone krj 1m;
    server {
        listen 127.0.0.1:%(port)d;
        location /api/v1/ { krj_api; }
        location = /health { krj_status health; }
        location = /ready  { krj_status ready; }
    }
"""


def conf(tmp_path, replace=None, add_http="", add_server=""):
    http_conf = GOOD_HTTP % {"snap": tmp_path / "krj.snapshot",
                             "port": krjenv.free_port()}
    if replace:
        old, new = replace
        assert old in http_conf
        http_conf = http_conf.replace(old, new)
    http_conf = add_http + http_conf
    if add_server:
        http_conf = http_conf.replace("location /api/v1/",
                                      add_server + "\n        location /api/v1/")
    return Nginx(tmp_path / "nginx", http_conf)


def test_good_config(tmp_path):
    rc, out = conf(tmp_path).test_config()
    assert rc == 0, "the README configuration passes nginx -t: %s" % out
    assert "[emerg]" not in out and "[alert]" not in out


def test_minimal_config(tmp_path):
    # only the snapshot and one location: the other directives default
    n = Nginx(tmp_path / "nginx", """
    krj_snapshot %s/krj.snapshot;
    server { listen 127.0.0.1:%d; location /api/v1/ { krj_api; } }
""" % (tmp_path, krjenv.free_port()))
    rc, out = n.test_config()
    assert rc == 0, "defaults suffice: %s" % out


BAD = [
    # (name, replace (old, new) or add to http, regex of the message)
    ("snapshot without argument",
     ("krj_snapshot %(snap)s;", "krj_snapshot;"),
     r'invalid number of arguments in "krj_snapshot" directive'),
    ("snapshot with two arguments",
     ("krj_snapshot %(snap)s;", "krj_snapshot /a /b;"),
     r'invalid number of arguments in "krj_snapshot" directive'),
    ("snapshot duplicate",
     ("krj_snapshot %(snap)s;", "krj_snapshot /a; krj_snapshot /b;"),
     r'"krj_snapshot" directive is duplicate'),
    ("reload interval not a time",
     ("krj_reload_interval 1s;", "krj_reload_interval abc;"),
     r'"krj_reload_interval" directive invalid value|invalid value'),
    ("reload interval bad unit",
     ("krj_reload_interval 1s;", "krj_reload_interval 5x;"),
     r'"krj_reload_interval" directive invalid value|invalid value'),
    ("reload interval negative",
     ("krj_reload_interval 1s;", "krj_reload_interval -1s;"),
     r'"krj_reload_interval" directive invalid value|invalid value'),
    ("reload interval zero",
     ("krj_reload_interval 1s;", "krj_reload_interval 0;"),
     r'krj_reload_interval'),
    ("reload interval missing",
     ("krj_reload_interval 1s;", "krj_reload_interval;"),
     r'invalid number of arguments in "krj_reload_interval" directive'),
    ("reload interval duplicate",
     ("krj_reload_interval 1s;",
      "krj_reload_interval 1s; krj_reload_interval 2s;"),
     r'"krj_reload_interval" directive is duplicate'),
    ("max age not a time",
     ("krj_max_age 8d;", "krj_max_age soon;"),
     r'"krj_max_age" directive invalid value|invalid value'),
    ("max age duplicate",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_max_age 9d;"),
     r'"krj_max_age" directive is duplicate'),
    ("zone without size",
     ("krj_zone krj 1m;", "krj_zone krj;"),
     r'krj_zone'),
    ("zone without name",
     ("krj_zone krj 1m;", "krj_zone 1m;"),
     r'krj_zone|zone'),
    ("zone bad size",
     ("krj_zone krj 1m;", "krj_zone krj abc;"),
     r'invalid|size'),
    ("zone too small",
     ("krj_zone krj 1m;", "krj_zone krj 1k;"),
     r'too small'),
    ("zone duplicate",
     ("krj_zone krj 1m;", "krj_zone krj 1m; krj_zone other 1m;"),
     r'duplicate'),
    ("status bogus",
     ("krj_status health;", "krj_status bogus;"),
     r'invalid value "bogus"|bogus'),
    ("status without argument",
     ("krj_status health;", "krj_status;"),
     r'invalid number of arguments in "krj_status" directive'),
    ("api with an argument",
     ("krj_api;", "krj_api on;"),
     r'invalid number of arguments in "krj_api" directive'),
    ("api at http level",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_api;"),
     r'"krj_api" directive is not allowed here'),
    ("snapshot in a location",
     ("krj_api;", "krj_api; krj_snapshot /x;"),
     r'"krj_snapshot" directive is not allowed here'),
    ("reload interval under 100ms",
     ("krj_reload_interval 1s;", "krj_reload_interval 99ms;"),
     r'krj_reload_interval'),
    ("zone under 8 pages",
     ("krj_zone krj 1m;", "krj_zone krj 28k;"),
     r'too small'),
    ("thread pool without argument",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_thread_pool;"),
     r'invalid number of arguments in "krj_thread_pool" directive'),
    ("thread pool duplicate",
     ("krj_max_age 8d;",
      "krj_max_age 8d; krj_thread_pool off; krj_thread_pool off;"),
     r'"krj_thread_pool" directive is duplicate'),
    ("thread pool in a location",
     ("krj_api;", "krj_api; krj_thread_pool off;"),
     r'"krj_thread_pool" directive is not allowed here'),
    ("max limit over the parser's range",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_max_limit 1000001;"),
     r'"krj_max_limit" must be between 0 and 1000000, not 1000001'),
    ("max offset over a row number",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_max_offset 4294967296;"),
     r'"krj_max_offset" must be between 0 and 4294967295, '
     r'not 4294967296'),
    ("max tickers zero",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_max_tickers 0;"),
     r'"krj_max_tickers" must be between 1 and 65536, not 0'),
    ("max fields not a number",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_max_fields many;"),
     r'"krj_max_fields" directive invalid number'),
    ("max limit duplicate",
     ("krj_max_age 8d;",
      "krj_max_age 8d; krj_max_limit 5; krj_max_limit 6;"),
     r'"krj_max_limit" directive is duplicate'),
    ("max tickers in a location",
     ("krj_api;", "krj_api; krj_max_tickers 5;"),
     r'"krj_max_tickers" directive is not allowed here'),
    ("unknown krj directive",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_bogus on;"),
     r'unknown directive "krj_bogus"'),
]


@pytest.mark.parametrize("what,replace,message", BAD,
                         ids=[b[0] for b in BAD])
def test_bad_directive(tmp_path, what, replace, message):
    old, new = replace
    snap = str(tmp_path / "krj.snapshot")
    old = old % {"snap": snap} if "%(snap)s" in old else old
    n = conf(tmp_path, replace=(old, new))
    rc, out = n.test_config()
    assert rc != 0, "%s: nginx -t fails" % what
    emerg = [l for l in out.splitlines() if "[emerg]" in l]
    assert len(emerg) == 1, "%s: exactly one [emerg] line: %s" % (what, out)
    assert re.search(message, emerg[0]), \
        "%s: the message says %r: %s" % (what, message, emerg[0])
    line = n.line_of(new)
    assert emerg[0].rstrip().endswith("%s:%d" % (n.conf_path, line)), \
        "%s: the message names the file and line %d: %s" % (what, line,
                                                            emerg[0])
    assert "AddressSanitizer" not in out and "runtime error" not in out, \
        "%s: no sanitizer report" % what


def test_thread_pool_must_exist(tmp_path):
    # a pool nginx does not know fails nginx -t in nginx's own words
    n = conf(tmp_path, replace=("krj_max_age 8d;",
                                "krj_max_age 8d; krj_thread_pool nopool;"))
    rc, out = n.test_config()
    assert rc != 0 and 'unknown thread pool "nopool"' in out, out


@pytest.mark.parametrize("main,replace", [
    ("", ("krj_max_age 8d;", "krj_max_age 8d; krj_thread_pool off;")),
    ("thread_pool krj threads=1;",
     ("krj_max_age 8d;", "krj_max_age 8d; krj_thread_pool krj;")),
    ("thread_pool default threads=2;", ("krj_max_age 8d;", "krj_max_age 8d;")),
], ids=["off", "a pool of one thread", "the default pool"])
def test_thread_pools_load_and_reload(make_krj, main, replace):
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2025-12-12.csv"],
                 main_conf=main, http_extra="    " + replace[1].replace(
                     "krj_max_age 8d;", ""), reload_interval="100ms")
    assert k.get("/api/v1/categories").status == 200, \
        "a worker loads before it accepts"
    first = k.get("/api/v1/signals/sp500").headers["etag"]
    old_size = (k.out / "krj.snapshot").stat().st_size
    k.add_file("KRJ_signals_latest_week_SP500_2026-01-09.csv")
    time.sleep(1.1)              # a later generated_at

    def swap():
        k.publish()
        deadline = time.time() + 10
        while time.time() < deadline and \
                k.get("/api/v1/signals/sp500").headers["etag"] == first:
            time.sleep(0.05)

    # the event loop's own munmap() calls, while the worker swaps
    [worker] = k.nginx.worker_pids()
    calls = krjenv.strace(worker, "munmap", swap, threads=False)
    assert k.get("/api/v1/signals/sp500").headers["etag"] != first, \
        "the new week is loaded by the pool's thread and swapped in"
    # the old copy is unmapped (and closed) in the pool's thread: the
    # kernel frees its pages meanwhile, milliseconds for a large one
    unmapped = [l for l in calls
                if re.search(r"munmap\(0x[0-9a-f]+, %d\)" % old_size, l)]
    if "off" in replace[1]:
        assert unmapped, "without a pool, the event loop unmaps it"
    else:
        assert not unmapped, unmapped


@pytest.mark.parametrize("replace", [
    ("krj_reload_interval 1s;", "krj_reload_interval 100ms;"),
    ("krj_zone krj 1m;", "krj_zone krj 32k;"),
    ("krj_max_age 8d;", "krj_max_age off;"),
    ("krj_zone krj 1m;", ""),
    ("krj_max_age 8d;", "krj_max_age 8d; krj_max_limit 0; "
     "krj_max_offset 4294967295; krj_max_tickers 65536; krj_max_fields 1;"),
], ids=["interval 100ms", "zone 32k", "max_age off", "no zone",
        "query bounds at their ends"])
def test_boundary_accepted(tmp_path, replace):
    # README: at least 100ms; at least 8 pages (32k); off; zone optional
    rc, out = conf(tmp_path, replace=replace).test_config()
    assert rc == 0, "%s passes nginx -t: %s" % (replace[1], out)


@pytest.mark.parametrize("loc", ["location /api/v1/ { krj_api; }",
                                 "location = /ready { krj_status ready; }"])
def test_snapshot_required(tmp_path, loc):
    # README: krj_snapshot is required wherever krj_api or krj_status
    # ready is used
    n = Nginx(tmp_path / "nginx", "server { listen 127.0.0.1:%d; %s }"
              % (krjenv.free_port(), loc))
    rc, out = n.test_config()
    assert rc != 0, "nginx -t fails without krj_snapshot: %s" % out
    assert "[emerg]" in out and "krj_snapshot" in out, \
        "the message names krj_snapshot: %s" % out


def test_health_needs_no_snapshot(tmp_path):
    n = Nginx(tmp_path / "nginx", "server { listen 127.0.0.1:%d; "
              "location = /health { krj_status health; } }"
              % krjenv.free_port())
    rc, out = n.test_config()
    assert rc == 0, "krj_status health alone needs no snapshot: %s" % out


def test_relative_snapshot_path(make_krj):
    # README: a relative krj_snapshot path is taken from nginx's prefix
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 start=False)
    (k.nginx.prefix / "data").symlink_to(k.out)
    k.nginx.write_conf(http_conf=k.nginx.http_conf.replace(
        "krj_snapshot %s;" % k.snapshot, "krj_snapshot data/krj.snapshot;"))
    assert "krj_snapshot data/krj.snapshot;" in k.nginx.conf_text()
    k.start()
    r = k.get("/api/v1/signals/drc.csv")
    assert r.status == 200 and r.body == (k.out / "latest_drc.csv"
                                          ).read_bytes(), \
        "served from <prefix>/data/krj.snapshot"
