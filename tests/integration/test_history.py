"""GET /api/v1/history/{slug}/{ticker}: the weeks krj-batch exports into the
snapshot (--history-weeks, default 52), from PostgreSQL when it answers and
carried over from the published snapshot when it does not, so that history
never shrinks.  Every body is checked against an independent computation:
the CSV files of the weeks ingested, parsed with Python's csv module, and
PostgreSQL's own krj_rows; byte for byte, so the layout is checked too.
Then the HTTP side: ETag and 304, gzip, HEAD, case-insensitive tickers, the
slug redirect, scopes, and every error."""

import base64
import datetime
import decimal
import gzip
import hashlib
import json
import os
import time

import pytest

import krjdata
import krjenv
from krjassert import assert_error, assert_security_headers
from krjservers import BatchDaemon, Db, krj_env

WEEK1 = ["KRJ_signals_latest_week_%s_2025-12-12.csv" % c
         for c in ("ETFs_and_FX", "Equities", "SP100", "SP500")] + \
    ["KRJ_signals_latest_week_DRC_2026-01-09.csv",
     "KRJ_signals_latest_week_AI_Affected_2026-03-14.csv"]
WEEK2 = ["KRJ_signals_latest_week_%s_2026-01-09.csv" % c
         for c in ("ETFs_and_FX", "Equities", "SP100", "SP500")]
SP500 = "KRJ_signals_latest_week_SP500_%s.csv"
DRC = (krjenv.DATA / "KRJ_signals_latest_week_DRC_2026-01-09.csv").read_text()


# --- the model ---------------------------------------------------------------

def ascii_upper(s):
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


def numeric(text):
    """A JSON number as PostgreSQL's numeric writes it: plain decimal with
    the scale of the digits after the point less the exponent, no sign on
    zero."""
    d = decimal.Decimal(text)
    s = format(d, "f")
    return s.lstrip("-") if d == 0 else s


def week_value(cell):
    kind = krjdata.typed(cell)
    if kind[0] == "null":
        return None
    if kind[0] == "num":
        return krjdata.RawNumber(numeric(cell))
    return cell


def model(cats, ticker, weeks=52):
    """The body for ticker from the Category objects of one slug (the
    weeks ingested), or None when the ticker has no week in the window."""
    slug = cats[0].slug
    newest = max(c.signal_date for c in cats)
    until = datetime.date.fromisoformat(newest)
    out = []
    for c in sorted(cats, key=lambda c: c.signal_date, reverse=True):
        age = (until - datetime.date.fromisoformat(c.signal_date)).days
        if age >= 7 * weeks:
            continue
        t, s, p, v = (c.col(n) for n in ("ticker", "signal",
                                          "signal_status_prior_week", "c"))
        for row in c.rows:
            if ascii_upper(row[t]) == ascii_upper(ticker):
                out.append({"signal_date": c.signal_date,
                            "signal": row[s] or None,
                            "prior": (row[p] or None) if p is not None
                            else None,
                            "c": week_value(row[v]) if v is not None
                            else None})
                break
    if not out:
        return None
    return {"category": slug, "ticker": ascii_upper(ticker), "weeks": out,
            "transitions": transitions(out)}


def transitions(weeks):
    """Weeks whose signal differs, case-insensitively, from the one of the
    newest older week with a signal; newest first."""
    out, prev = [], None
    for w in reversed(weeks):
        if w["signal"] is None:
            continue
        if prev is not None and prev.lower() != w["signal"].lower():
            out.append({"signal_date": w["signal_date"], "from": prev,
                        "to": w["signal"]})
        prev = w["signal"]
    return out[::-1]


def pg_model(db, slug, until, weeks=52):
    """{TICKER: [week]} of the weeks before until, from krj_rows as
    PostgreSQL keeps them (the first row of a ticker in a week)."""
    text = db._psql(
        "SELECT coalesce(json_agg(q ORDER BY signal_date DESC, row_number), "
        "'[]') FROM (SELECT signal_date::text AS d, signal_date, row_number, "
        "ticker, signal, prior, cells -> 'c' AS c FROM krj_rows WHERE "
        "category = '%s' AND signal_date < '%s' AND signal_date > "
        "'%s'::date - %d) q" % (slug, until, until, 7 * weeks))
    rows = json.loads(text, parse_float=krjdata.RawNumber,
                      parse_int=krjdata.RawNumber)
    out = {}
    for r in rows:
        t = ascii_upper(r["ticker"])
        w = out.setdefault(t, [])
        if w and w[-1]["signal_date"] == r["d"]:
            continue
        w.append({"signal_date": r["d"], "signal": r["signal"],
                  "prior": r["prior"], "c": r["c"]})
    return out


def ser(v):
    """Compact JSON as krj writes it, numbers as their text."""
    if isinstance(v, dict):
        return "{%s}" % ",".join("%s:%s" % (json.dumps(k), ser(x))
                                 for k, x in v.items())
    if isinstance(v, list):
        return "[%s]" % ",".join(ser(x) for x in v)
    if isinstance(v, krjdata.RawNumber):
        return str(v)
    if v is None:
        return "null"
    return json.dumps(v, ensure_ascii=False)


def categories_of(data):
    """{slug: [Category]} of every signal file in data."""
    out = {}
    for p in sorted(data.iterdir()):
        if krjdata.FILE_RE.match(p.name):
            c = krjdata.Category(p)
            out.setdefault(c.slug, []).append(c)
    return out


def check_all(k, cats, weeks=52):
    """Every ticker of every category with a signal column answers the
    model's body, byte for byte; returns {(slug, TICKER): body}."""
    bodies = {}
    for slug, cs in cats.items():
        newest = max(cs, key=lambda c: c.signal_date)
        path = "/api/v1/history/%s/" % slug
        if newest.col("signal") is None:
            assert_error(k.get(path + newest.rows[0][0]), 404, "no_history")
            continue
        tickers = {ascii_upper(r[c.col("ticker")]) for c in cs
                   for r in c.rows}
        for t in sorted(tickers):
            want = model(cs, t, weeks)
            r = k.get(path + t)
            if want is None:
                assert_error(r, 404, "unknown_ticker", path + t)
                continue
            assert r.status == 200, (path + t, r.status, r.body[:200])
            assert r.body == (ser(want) + "\n").encode(), \
                "%s%s:\n got %r\nwant %r" % (path, t, r.body[:600],
                                             ser(want)[:600])
            bodies[(slug, t)] = r.body
    return bodies


def batch_run(k, db=None, expect=0, *args):
    r = k.run_batch("run", "--config", "", *args, env=krj_env(db))
    assert r.returncode == expect, "run exited %d, expected %d:\n%s" % (
        r.returncode, expect, r.stderr)
    return r


def migrate(db):
    r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
    assert r.returncode == 0, r.stderr


def history_line(r):
    lines = [x for x in r.stderr.splitlines() if "event=history " in x]
    assert len(lines) == 1, r.stderr
    return lines[0]


def week_file(k, date, flip=()):
    """The SP500 week of 2026-01-09 again as the week of date, the tickers
    in flip turned Long."""
    c = krjdata.Category(krjenv.DATA / (SP500 % "2026-01-09"))
    s = c.col("signal")
    rows = [list(r) for r in c.rows]
    for r in rows:
        if r[0] in flip:
            r[s] = "Long"
    import csv
    import io
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([c.columns] + rows)
    k.add_file(SP500 % date, buf.getvalue().encode())


# --- from PostgreSQL, and carried over without it ----------------------------

def test_history_from_postgresql(make_krj, pg):
    """Two weeks recorded: the second run reads the first week from
    PostgreSQL in one query, and every body equals both the model of the
    CSVs and PostgreSQL's rows.  A node without PostgreSQL that ingested the
    same weeks carries them over into the same bytes."""
    migrate(pg)
    k = make_krj(files=WEEK1, publish=False, start=False)
    r = batch_run(k, pg)
    assert "0 from PostgreSQL, 0 carried over" in history_line(r)

    # every statement of the second run in the server's log
    pg.execute("ALTER DATABASE \"%s\" SET log_statement = 'all'" % pg.name)
    mark = len(pg.server.log_text())
    for f in WEEK2:
        k.add_file(f)
    # PostgreSQL is the source: nothing can be carried over
    (k.out / "krj.snapshot").unlink()
    r = batch_run(k, pg)
    log = pg.server.log_text()[mark:]
    pg.execute("ALTER DATABASE \"%s\" RESET log_statement" % pg.name)
    line = history_line(r)
    n_old = sum(len(c.rows) for c in categories_of(k.data).values()
                for c in c if c.signal_date == "2025-12-12")
    assert "%d from PostgreSQL, 0 carried over" % n_old in line, line
    assert log.count("DECLARE krj_history NO SCROLL CURSOR") == 1, \
        "one query per run, not one per ticker"
    reads = [x for x in log.splitlines() if "krj_rows" in x and
             ("SELECT" in x or "select" in x)]
    assert len(reads) == 1 and "DECLARE" in reads[0], reads

    k.start()
    cats = categories_of(k.data)
    bodies = check_all(k, cats)
    assert len(bodies) == len({(c.slug, ascii_upper(r[0]))
                               for cs in cats.values() for c in cs
                               for r in c.rows}), "every ticker answered"

    # PostgreSQL's rows, independently: the older weeks of each body
    for slug in ("sp500", "etfs_fx", "equities"):
        newest = max(c.signal_date for c in cats[slug])
        rows = pg_model(pg, slug, newest)
        assert rows, slug
        for t, weeks in rows.items():
            body = krjdata.loads_raw(bodies[(slug, t)])
            assert [w for w in body["weeks"] if w["signal_date"] < newest] \
                == weeks, (slug, t)

    # the same weeks ingested without PostgreSQL: carried over, same bytes
    k2 = make_krj(files=WEEK1, publish=False, start=False)
    r = batch_run(k2)
    for f in WEEK2:
        k2.add_file(f)
    r = batch_run(k2)
    # a ticker listed twice in a week was carried over once
    n_once = sum(len({ascii_upper(r[0]) for r in c.rows})
                 for c in sum(categories_of(k.data).values(), [])
                 if c.signal_date == "2025-12-12")
    assert n_once < n_old
    assert "0 from PostgreSQL, %d carried over" % n_once in history_line(r)
    k2.start()
    for (slug, t), b in bodies.items():
        assert k2.get("/api/v1/history/%s/%s" % (slug, t)).body == b, \
            (slug, t)


def test_history_never_shrinks(make_krj, pg):
    """Weeks 1 and 2 with PostgreSQL; PostgreSQL stopped, week 3 run: the
    history has the new week and keeps the old ones (carried over from the
    published snapshot).  PostgreSQL back: the outbox is delivered, and a
    snapshot rebuilt from PostgreSQL alone has the same bytes."""
    migrate(pg)
    k = make_krj(files=[SP500 % "2025-12-12", "KRJ_signals_latest_week_"
                        "DRC_2026-01-09.csv"], publish=False, start=False)
    batch_run(k, pg)
    k.add_file(SP500 % "2026-01-09")
    batch_run(k, pg)
    k.start()
    before = check_all(k, categories_of(k.data))

    week_file(k, "2026-01-16", flip=("AAPL", "MSFT"))
    pg.server.stop()
    try:
        r = batch_run(k, pg, 4)
        assert "event=history_carried" in r.stderr, r.stderr
        assert "0 from PostgreSQL, %d carried over" % (503 * 2) in \
            history_line(r)
    finally:
        pg.server.start()
    time.sleep(1.5)
    cats = categories_of(k.data)
    after = check_all(k, cats)
    for (slug, t), b in before.items():
        old = krjdata.loads_raw(b)["weeks"]
        new = krjdata.loads_raw(after[(slug, t)])["weeks"]
        assert new[-len(old):] == old, "%s %s: the old weeks kept" % (slug,
                                                                      t)
    aapl = krjdata.loads(after[("sp500", "AAPL")])
    assert [w["signal_date"] for w in aapl["weeks"]] == \
        ["2026-01-16", "2026-01-09", "2025-12-12"]
    assert aapl["transitions"][0] == {"signal_date": "2026-01-16",
                                      "from": "Short", "to": "Long"}

    r = batch_run(k, pg)
    assert "event=outbox_delivered" in r.stderr and \
        "event=unchanged" in r.stderr, r.stderr
    assert pg.count("krj_rows") == 503 * 3 + 20

    # from PostgreSQL alone, the same bytes
    (k.out / "krj.snapshot").unlink()
    r = batch_run(k, pg)
    assert "%d from PostgreSQL, 0 carried over" % (503 * 2) in \
        history_line(r)
    time.sleep(1.5)
    for key, b in after.items():
        assert k.get("/api/v1/history/%s/%s" % key).body == b, key


def test_follower_takes_history_from_postgresql_only(make_krj, pg):
    """A follower whose PostgreSQL cannot give the history publishes
    nothing (its own snapshot would not be the ingesting node's) and tries
    again at the next poll; then its snapshot is A's, byte for byte."""
    migrate(pg)
    a = make_krj(files=[SP500 % "2025-12-12"], publish=False, start=False)
    batch_run(a, pg)
    a.add_file(SP500 % "2026-01-09")
    batch_run(a, pg)
    role = "krj_follower_%d" % os.getpid()
    pg.execute("CREATE ROLE %s LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE "
               "ON ALL TABLES IN SCHEMA public TO %s; REVOKE SELECT ON "
               "krj_rows FROM %s" % (role, role, role))
    b = make_krj(files=[], publish=False, start=False)
    f = BatchDaemon(b.dir / "follow", [
        "follow", "--output", b.out, "--poll", "500ms",
        "--key-file", b.dir / "keys", "--user-file", b.dir / "users"],
        krj_env(pg.dsn.replace("user=postgres", "user=" + role)))
    try:
        f.start()
        f.wait_log("permission denied for table krj_rows")
        f.wait_log("event=follow_failed")
        assert "history: PostgreSQL did not answer" in f.text() and \
            "not published" in f.text(), f.text()
        assert not (b.out / "krj.snapshot").exists()
        pg.execute("GRANT SELECT ON krj_rows TO %s" % role)
        f.wait_log("event=follow_applied")
        assert (b.out / "krj.snapshot").read_bytes() == \
            a.snapshot.read_bytes()
    finally:
        assert f.stop() == 0, f.text()
        pg.execute("DROP OWNED BY %s" % role)
        # roles belong to the server: dropped from its maintenance db
        Db(pg.server.dsn()).execute("DROP ROLE %s" % role)


def test_carried_over_for_weeks_and_gzip(make_krj):
    """Eight weekly runs without PostgreSQL: each carries the one before
    over, the window cuts at --history-weeks, and a body large enough is
    sent pre-compressed to a client that takes gzip."""
    k = make_krj(files=[], publish=False, start=False)
    start = datetime.date(2025, 11, 21)
    dates = [(start + datetime.timedelta(weeks=i)).isoformat()
             for i in range(8)]
    for i, d in enumerate(dates):
        # BDX turns Long every other week
        text = DRC if i % 2 else DRC.replace(
            "0.02866147676721748,Neutral,Neutral",
            "0.02866147676721748,Long,Neutral", 1)
        k.add_file("KRJ_signals_latest_week_DRC_%s.csv" % d, text.encode())
        batch_run(k)
    k.start()
    cats = categories_of(k.data)
    bodies = check_all(k, cats)
    bdx = krjdata.loads(bodies[("drc", "BDX")])
    assert len(bdx["weeks"]) == 8 and len(bdx["transitions"]) == 7, bdx

    r = k.get("/api/v1/history/drc/BDX", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.headers.get("content-encoding") == "gzip"
    assert len(bodies[("drc", "BDX")]) >= 512
    assert gzip.decompress(r.body) == bodies[("drc", "BDX")]
    assert len(r.body) < len(bodies[("drc", "BDX")])
    assert "accept-encoding" in r.headers.get("vary", "").lower()

    # a window of three weeks: the next run keeps three
    k.stop()
    r = batch_run(k, None, 0, "--history-weeks", "3")
    assert "event=published" in r.stderr, \
        "another --history-weeks is another snapshot of the same files"
    k.start()
    check_all(k, cats, weeks=3)
    bdx = krjdata.loads(k.get("/api/v1/history/drc/BDX").body)
    assert [w["signal_date"] for w in bdx["weeks"]] == dates[:-4:-1]
    r = batch_run(k, None, 0, "--history-weeks", "3")
    assert "event=unchanged" in r.stderr


def test_odd_values(make_krj, pg):
    """c as PostgreSQL's numeric keeps a number (1e5 is 100000, -0 is 0),
    a number too large for a double stays a string, an empty cell null;
    signals in another case are no transition, an empty one is skipped;
    a ticker listed twice in a week: its first row.  The same bytes from
    PostgreSQL and carried over."""
    migrate(pg)
    week1 = ("ticker,c,signal,signal_status_prior_week\n"
             "A,1.50,Long,Long\nB,-0,Short,\nC,1e5,,Neutral\n"
             "D,1e999,Long,Long\nA,9,Short,Short\ne,abc,Neutral,\n")
    week2 = ("ticker,c,signal,signal_status_prior_week\n"
             "A,2.50e1,long,Long\nB,,Long,Short\nC,0.000,Short,\n"
             "D,-1E-3,Long,long\nE,,neutral,Neutral\n")
    outs = []
    for db in (pg, None):
        k = make_krj(files=[], publish=False, start=False)
        k.add_file("KRJ_signals_latest_week_Odd_2026-01-02.csv",
                   week1.encode())
        batch_run(k, db)
        k.add_file("KRJ_signals_latest_week_Odd_2026-01-09.csv",
                   week2.encode())
        if db is not None:
            (k.out / "krj.snapshot").unlink()
        batch_run(k, db)
        k.start()
        outs.append(check_all(k, categories_of(k.data)))
        k.stop()
    assert outs[0] == outs[1], "PostgreSQL and carried over: same bytes"
    got = {t: krjdata.loads_raw(b) for (_, t), b in outs[0].items()}
    assert [w["c"] for w in got["A"]["weeks"]] == ["25.0", "1.50"]
    assert got["A"]["transitions"] == []
    assert [w["c"] for w in got["B"]["weeks"]] == [None, "0"]
    assert [w["c"] for w in got["C"]["weeks"]] == ["0.000", "100000"]
    assert [w["c"] for w in got["D"]["weeks"]] == ["-0.001", "1e999"]
    assert not isinstance(got["D"]["weeks"][1]["c"], krjdata.RawNumber)
    assert got["C"]["transitions"] == [], "an empty signal is skipped"
    assert got["E"]["transitions"] == [], "Neutral and neutral"
    assert got["B"]["transitions"] == [{"signal_date": "2026-01-09",
                                        "from": "Short", "to": "Long"}]


# --- the endpoint ------------------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Both sample weeks, run in turn without PostgreSQL, served."""
    d = tmp_path_factory.mktemp("history")
    k = krjenv.Krj(d, files=WEEK1)
    k.publish()
    for f in WEEK2:
        k.add_file(f)
    k.publish()
    k.start()
    yield k
    k.stop()
    k.nginx.check_log()


def test_validators_gzip_head(served):
    path = "/api/v1/history/sp500/AAPL"
    r = served.get(path)
    assert r.status == 200
    assert_security_headers(r, path)
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "private, no-cache"
    etag = r.headers["etag"]
    assert etag and r.headers["last-modified"]
    r304 = served.get(path, headers={"If-None-Match": etag})
    assert r304.status == 304 and r304.body == b""
    assert r304.headers["etag"] == etag
    h = served.get(path, method="HEAD")
    assert h.status == 200 and h.body == b""
    assert h.headers["etag"] == etag
    assert int(h.headers["content-length"]) == len(r.body)
    other = served.get("/api/v1/history/sp500/MSFT")
    assert other.headers["etag"] != etag, "a variant of its own"
    # small: no gzip form, the identity body whatever the client takes
    g = served.get(path, headers={"Accept-Encoding": "gzip"})
    assert g.status == 200 and "content-encoding" not in g.headers
    assert g.body == r.body


def test_ticker_in_any_case(served):
    want = served.get("/api/v1/history/sp500/AAPL").body
    for t in ("aapl", "AaPl"):
        r = served.get("/api/v1/history/sp500/" + t)
        assert r.status == 200 and r.body == want, t
    assert krjdata.loads(want)["ticker"] == "AAPL"


def test_slug_in_another_case_redirects(served):
    r = served.get("/api/v1/history/SP500/aapl")
    assert r.status == 308
    assert r.headers["location"].endswith("/api/v1/history/sp500/aapl")
    assert krjdata.loads(r.body) == {"redirect": {
        "status": 308, "location": "/api/v1/history/sp500/aapl"}}
    r = served.get("/api/v1/history/Sp500/a%20b")
    assert r.status == 308 and \
        r.headers["location"].endswith("/history/sp500/a%20b"), \
        "the ticker escaped again"


def test_errors(served):
    err = assert_error(served.get("/api/v1/history/sp5/AAPL"), 404,
                       "unknown_category")
    assert err["message"] == 'no category "sp5"; did you mean "sp500"?'
    err = assert_error(served.get("/api/v1/history/sp500/NOPE"), 404,
                       "unknown_ticker")
    assert err["message"] == \
        'no ticker "NOPE" in the history of category "sp500"'
    for path in ("/api/v1/history/", "/api/v1/history/sp500",
                 "/api/v1/history/sp500/", "/api/v1/history//AAPL",
                 "/api/v1/history/sp500/AAPL/x"):
        assert_error(served.get(path), 404, "not_found", path)
    assert_error(served.get("/api/v1/history/sp500/AAPL?x=1"), 400,
                 "unknown_parameter")
    r = served.request("POST", "/api/v1/history/sp500/AAPL", body="x")
    assert_error(r, 405, "method_not_allowed")
    h = served.get("/api/v1/history/sp500/NOPE", method="HEAD")
    assert h.status == 404 and h.body == b""


def test_metrics_route(make_krj):
    """Its requests are counted as route="history" by status class."""
    k = make_krj(files=[SP500 % "2026-01-09"],
                 locations=krjenv.API_LOCATIONS
                 + "        location = /metrics { krj_status metrics; }\n")

    def count(status):
        text = k.get("/metrics").body.decode()
        want = 'route="history",status="%s"' % status
        got = [line.rsplit(" ", 1)[1] for line in text.splitlines()
               if line.startswith("krj_http_requests_total{")
               and want in line]
        return int(got[0]) if got else 0

    before = (count("2xx"), count("4xx"))
    for _ in range(3):
        assert k.get("/api/v1/history/sp500/AAPL").status == 200
    assert k.get("/api/v1/history/sp500/NOPE").status == 404
    assert (count("2xx"), count("4xx")) == (before[0] + 3, before[1] + 1)


def test_no_history(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_Plain_2026-01-09.csv",
               b"ticker,price\nA,1\n")
    k.publish()
    k.start()
    err = assert_error(k.get("/api/v1/history/plain/A"), 404, "no_history")
    assert err["message"] == \
        'category "plain" has no signal column, so no history'
    assert k.get("/api/v1/history/drc/BDX").status == 200

    batch_run(k, None, 0, "--history-weeks", "0")
    time.sleep(1.5)
    err = assert_error(k.get("/api/v1/history/drc/BDX"), 404, "no_history")
    assert err["message"] == 'no history is exported for category "drc" ' \
        "(krj-batch --history-weeks 0)"
    r = k.run_batch("status", "--config", "", env=krj_env())
    assert "history: none" in r.stdout, r.stdout


KEY = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def test_scopes(make_krj, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("only:sha256:%s:sp500\n"
                    % hashlib.sha256(KEY.encode()).hexdigest())
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv",
                        SP500 % "2026-01-09"],
                 http_extra="    krj_key_file %s;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    h = {"Authorization": "Bearer " + KEY}
    assert k.get("/api/v1/history/sp500/AAPL", headers=h).status == 200
    err = assert_error(k.get("/api/v1/history/drc/BDX", headers=h), 403,
                       "forbidden")
    assert err["message"] == 'no access to category "drc"'
    assert k.get("/api/v1/history/sp500/AAPL").status == 401


def test_status_and_help(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 start=False)
    r = k.run_batch("status", "--config", "", env=krj_env())
    assert "history: 52 weeks, 20 tickers, 20 ticker weeks" in r.stdout, \
        r.stdout
    for cmd in ("run", "watch", "follow"):
        r = krjenv.run_batch(cmd, "--help")
        assert "--history-weeks N" in r.stdout and \
            "(0 to 520, default 52)" in r.stdout, (cmd, r.stdout)
    r = k.run_batch("run", "--config", "", "--history-weeks", "521")
    assert r.returncode == 1 and \
        "--history-weeks is a number from 0 to 520" in r.stderr, r.stderr
    conf = k.dir / "krj-batch.conf"
    conf.write_text("history-weeks = 1\n")
    r = k.run_batch("run", "--config", str(conf), env=krj_env())
    assert r.returncode == 0 and "1 weeks" in history_line(r), r.stderr

