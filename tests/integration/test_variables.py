"""Log variables (SPEC section 6): $krj_snapshot is the generation that
answered (the first 8 bytes of the snapshot's SHA-256 checksum, in hex),
$krj_category the category the request was about; both empty outside krj
data answers.  Requests nginx rejects before any location must log too."""

import time

from krjenv import raw_http

LOG_FORMAT = ("    log_format krjvars 'uri=$request_uri status=$status "
              "snap=[$krj_snapshot] cat=[$krj_category]';\n"
              "    access_log %s krjvars;\n")


def generation(snapshot_path):
    # header: magic[8] version u32, header_size u32, total_len u64, then
    # checksum[32]; the generation is its first 8 bytes in hex
    data = snapshot_path.read_bytes()
    return data[24:32].hex()


def log_entries(path):
    out = []
    for line in path.read_text().splitlines():
        d = {}
        for part in ("uri", "status"):
            d[part] = line.split(part + "=", 1)[1].split(" ", 1)[0]
        d["snap"] = line.split("snap=[", 1)[1].split("]", 1)[0]
        d["cat"] = line.split("cat=[", 1)[1].split("]", 1)[0]
        out.append(d)
    return out


def test_variables(make_krj, tmp_path):
    log = tmp_path / "vars.log"
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv",
                        "KRJ_signals_latest_week_SP100_2026-01-09.csv"],
                 http_extra=LOG_FORMAT % log,
                 server_extra="        location / { return 404; }")
    gen = generation(k.snapshot)
    paths = ["/api/v1/categories", "/api/v1/signals/drc",
             "/api/v1/signals/sp100.csv?limit=1", "/api/v1/signals/nosuch",
             "/api/v1/signals/drc?foo=1", "/health", "/ready", "/other"]
    for p in paths:
        k.get(p)
    raw_http(k.port, b"GARBAGE\r\n\r\n")
    raw_http(k.port, b"GET / HTTP/1.0\r\n\r\n")
    raw_http(k.port, b"GET /api/v1/categories HTTP/1.1\r\nHost: a\r\n"
                     b"Host: b\r\n\r\n")
    k.stop()                # flushes the access log
    e = log_entries(log)
    assert len(e) == len(paths) + 3, "every request logged"
    by_uri = {x["uri"]: x for x in e[:len(paths)]}
    assert by_uri["/api/v1/categories"]["snap"] == gen, \
        "$krj_snapshot is the generation that answered"
    assert by_uri["/api/v1/signals/drc"]["cat"] == "drc", \
        "$krj_category is the category of the request"
    assert by_uri["/api/v1/signals/sp100.csv?limit=1"]["cat"] == "sp100", \
        "$krj_category for .csv"
    assert by_uri["/api/v1/signals/sp100.csv?limit=1"]["snap"] == gen
    assert by_uri["/other"]["snap"] in ("", "-") and \
        by_uri["/other"]["cat"] in ("", "-"), \
        "outside krj both variables are empty"
    for x in e[len(paths):]:
        assert x["snap"] in ("", "-") and x["cat"] in ("", "-"), \
            "requests rejected by nginx log empty krj variables: %r" % x


def test_snapshot_variable_follows_reload(make_krj, tmp_path):
    log = tmp_path / "vars.log"
    k = make_krj(files=["KRJ_signals_latest_week_SP100_2025-12-12.csv"],
                 http_extra=LOG_FORMAT % log)
    old = generation(k.snapshot)
    k.get("/api/v1/signals/sp100")
    k.add_file("KRJ_signals_latest_week_SP100_2026-01-09.csv")
    k.publish()
    new = generation(k.snapshot)
    assert new != old
    deadline = time.time() + 5
    while time.time() < deadline:
        if b"2026-01-09" in k.get("/api/v1/signals/sp100?limit=0").body:
            break
        time.sleep(0.1)
    k.get("/api/v1/signals/sp100")
    k.stop()
    e = log_entries(log)
    assert e[0]["snap"] == old and e[-1]["snap"] == new, \
        "$krj_snapshot names the generation of each answer"


def test_category_on_refusals_errors_and_redirects(make_krj, tmp_path):
    # README: $krj_category is set whenever the URL names a category that
    # exists, before the scope check: on its 403, 400 and 308 too
    import base64
    import hashlib
    import os
    key = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")
    keys = tmp_path / "keys"
    keys.write_text("drc-only:sha256:%s:drc\n"
                    % hashlib.sha256(key.encode()).hexdigest())
    log = tmp_path / "vars.log"
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv",
                        "KRJ_signals_latest_week_SP100_2026-01-09.csv"],
                 http_extra=LOG_FORMAT % log
                 + "    krj_key_file %s;\n" % keys,
                 locations="        location /api/v1/ "
                           "{ krj_auth key; krj_api; }\n")
    auth = {"Authorization": "Bearer " + key}
    want = [("/api/v1/signals/sp100", 403, "sp100"),
            ("/api/v1/signals/sp100.csv?limit=1", 403, "sp100"),
            ("/api/v1/signals/drc?foo=1", 400, "drc"),
            ("/api/v1/signals/drc.csv?limit=x", 400, "drc"),
            ("/api/v1/signals/DRC?limit=1", 308, "drc"),
            ("/api/v1/signals/SP100", 308, "sp100"),
            ("/api/v1/signals/drc", 200, "drc"),
            ("/api/v1/signals/sp5", 404, ""),
            ("/api/v1/", 200, ""),
            ("/api/v1/summary", 200, "")]
    for path, status, _ in want:
        assert k.get(path, headers=auth).status == status, path
    k.stop()                # flushes the access log
    e = log_entries(log)
    assert [(x["uri"], int(x["status"])) for x in e] == \
        [(p, s) for p, s, _ in want], "every request logged"
    for x, (path, _, cat) in zip(e, want):
        assert x["cat"] in ((cat,) if cat else ("", "-")), \
            "%s: $krj_category %r, expected %r" % (path, x["cat"], cat)
