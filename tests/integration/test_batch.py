"""krj-batch run: scanning (newest real date wins), publishing
latest_{slug}.csv, metadata.json and krj.snapshot, rejecting bad CSVs with
file:line: reason and exit status 2 while the other categories publish and
the bad category keeps its previous data, no-op on unchanged input, and
--help documenting the exit statuses."""

import hashlib
import re

import pytest

import krjdata
import krjenv
from krjassert import ISO_UTC, get_json

SP100_OLD = "KRJ_signals_latest_week_SP100_2025-12-12.csv"
SP100_NEW = "KRJ_signals_latest_week_SP100_2026-01-09.csv"
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
EQ_NEW = "KRJ_signals_latest_week_Equities_2026-01-09.csv"


def fixture(name):
    return (krjenv.DATA / name).read_bytes()


def metadata(k):
    return krjdata.loads((k.out / "metadata.json").read_bytes())


def meta_date(meta, slug):
    v = meta["categories"][slug]
    return v if isinstance(v, str) else v["signal_date"]


def test_run_publishes_everything(make_krj):
    k = make_krj(start=False)
    model = krjdata.newest(k.data)
    assert k.snapshot.exists(), "krj.snapshot published"
    for slug, m in model.items():
        p = k.out / ("latest_%s.csv" % slug)
        assert p.read_bytes() == m.raw, \
            "latest_%s.csv is the newest file minus BOM" % slug
    meta = metadata(k)
    assert ISO_UTC.match(meta["generated_at"]), "metadata generated_at"
    assert set(meta["categories"]) == set(model), \
        "metadata lists every category"
    for slug, m in model.items():
        assert meta_date(meta, slug) == m.signal_date, \
            "metadata: %s signal date" % slug
    assert meta.get("signal_date") == max(m.signal_date
                                          for m in model.values()), \
        "metadata signal_date is the newest"
    assert not list(k.out.glob("*.tmp*")) and \
        not [p for p in k.out.iterdir() if p.name.startswith(".")], \
        "no temporary files left in the output dir"


def test_newest_week_wins(make_krj):
    k = make_krj(files=[SP100_OLD, SP100_NEW], start=False)
    assert (k.out / "latest_sp100.csv").read_bytes() == fixture(SP100_NEW), \
        "2026-01-09 wins over 2025-12-12"


@pytest.mark.parametrize("bad_date", ["2026-02-30", "2026-13-01",
                                      "2026-00-10", "2027-02-29"])
def test_invalid_dates_ignored(make_krj, bad_date):
    k = make_krj(files=[SP100_OLD, SP100_NEW], publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_SP100_%s.csv" % bad_date,
               fixture(SP100_OLD))
    k.add_file("notes.txt", b"not a signal file\n")
    k.add_file("KRJ_signals_latest_week_SP100_20260301.csv",
               fixture(SP100_OLD))
    k.publish()
    assert (k.out / "latest_sp100.csv").read_bytes() == fixture(SP100_NEW), \
        "a file named with the impossible date %s is ignored" % bad_date
    assert meta_date(metadata(k), "sp100") == "2026-01-09"


def test_unchanged_input_is_noop(make_krj):
    k = make_krj(files=[SP100_NEW, DRC], start=False)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
              for p in k.out.iterdir()}
    r = k.run_batch("run")
    assert r.returncode == 0, "second run exits 0: %s" % r.stderr
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
             for p in k.out.iterdir()}
    assert after == before, \
        "unchanged input: no file rewritten (same inode, mtime, bytes)"


def test_duplicate_ticker_warns_and_keeps(make_krj):
    k = make_krj(files=[EQ_NEW], publish=False, start=False)
    r = k.publish(expect=0)
    m = krjdata.newest(k.data)["equities"]
    lines = [i + 2 for i, row in enumerate(m.rows) if row[0] == "LLY"]
    warn = [l for l in r.stderr.splitlines() if "LLY" in l]
    assert len(warn) == 1 and "warning" in warn[0], \
        "one warning for the duplicate ticker LLY: %s" % r.stderr
    assert all(str(n) in warn[0] for n in lines), \
        "the warning names both lines %s: %s" % (lines, warn[0])
    assert (k.out / "latest_equities.csv").read_bytes() == fixture(EQ_NEW), \
        "duplicates are kept"


def _lines(data):
    return data.split(b"\n")


def bad_field_count(d):
    ls = _lines(d)
    ls[4] += b",extra"
    return b"\n".join(ls), 5, r"field|column"


def bad_utf8(d):
    ls = _lines(d)
    ls[6] = b"\xff\xfe" + ls[6]
    return b"\n".join(ls), 7, r"UTF-8|utf-8|utf8|encoding"


def bad_nul(d):
    ls = _lines(d)
    ls[2] = ls[2].replace(b",", b",\x00", 1)
    return b"\n".join(ls), 3, r"NUL|nul|\\0|zero byte"


def bad_dup_header(d):
    ls = _lines(d)
    ls[0] = ls[0].replace(b"weekly_low", b"c")
    return b"\n".join(ls), 1, r"duplicate"


def bad_empty_header(d):
    ls = _lines(d)
    ls[0] = ls[0].replace(b"weekly_low", b"")
    return b"\n".join(ls), 1, r"empty|missing|header"


def bad_no_ticker(d):
    ls = _lines(d)
    ls[0] = ls[0].replace(b"ticker,", b"symbol,", 1)
    return b"\n".join(ls), 1, r"ticker"


def bad_open_quote(d):
    ls = _lines(d)
    ls[9] = ls[9].replace(b",", b',"', 1)
    return b"\n".join(ls), 10, r"quote|unterminated|end of file"


def bad_empty_ticker(d):
    ls = _lines(d)
    ls[11] = b"," + ls[11].split(b",", 1)[1]
    return b"\n".join(ls), 12, r"ticker"


BAD = [bad_field_count, bad_utf8, bad_nul, bad_dup_header, bad_empty_header,
       bad_no_ticker, bad_open_quote, bad_empty_ticker]


@pytest.mark.parametrize("corrupt", BAD, ids=[f.__name__ for f in BAD])
def test_bad_csv_rejected(make_krj, corrupt):
    k = make_krj(files=[SP100_OLD], start=False)
    old_latest = (k.out / "latest_sp100.csv").read_bytes()
    data, line, reason = corrupt(fixture(SP100_NEW))
    bad = k.add_file(SP100_NEW, data)
    k.add_file(EQ_NEW)
    r = k.run_batch("run")
    out = r.stderr + r.stdout
    assert r.returncode == 2, "a rejected file: exit 2 (%d): %s" % (
        r.returncode, out)
    m = re.search(re.escape(bad.name) + r":(\d+):\s*(.*)", out)
    assert m, "the message names file:line: %s" % out
    assert int(m.group(1)) == line, "%s: line %d reported as %s" % (
        corrupt.__name__, line, m.group(1))
    assert re.search(reason, m.group(2)), \
        "%s: the reason says %r: %s" % (corrupt.__name__, reason,
                                         m.group(2))
    assert (k.out / "latest_sp100.csv").read_bytes() == old_latest, \
        "the rejected category keeps its previous data"
    assert (k.out / "latest_equities.csv").read_bytes() == fixture(EQ_NEW), \
        "the other categories are published"
    meta = metadata(k)
    assert meta_date(meta, "sp100") == "2025-12-12", \
        "metadata keeps the previous sp100 week"
    assert meta_date(meta, "equities") == "2026-01-09"


def test_bad_csv_served_snapshot(make_krj):
    # end to end: after a rejected file nginx serves the old week of that
    # category and the new week of the others
    k = make_krj(files=[SP100_OLD], publish=True, start=True)
    data, _, _ = bad_field_count(fixture(SP100_NEW))
    k.add_file(SP100_NEW, data)
    k.add_file(EQ_NEW)
    k.publish(expect=2)
    import time
    deadline = time.time() + 5
    while time.time() < deadline:
        doc, _ = get_json(k, "/api/v1/categories")
        if len(doc["categories"]) == 2:
            break
        time.sleep(0.1)
    dates = {c["slug"]: c["signal_date"] for c in doc["categories"]}
    assert dates == {"equities": "2026-01-09", "sp100": "2025-12-12"}, \
        "snapshot: new equities, previous sp100"
    assert k.get("/api/v1/signals/sp100.csv").body == fixture(SP100_OLD)


def csv_of_size(size):
    """A valid CSV of exactly size bytes (one padded text cell)."""
    head = b"ticker,signal,note\nAAA,Long,"
    body = head + b"x" * (size - len(head) - 1) + b"\n"
    assert len(body) == size
    return body


@pytest.mark.parametrize("size,ok", [(10240, True), (10241, False)])
def test_max_size_boundary(make_krj, size, ok):
    # --max-size 10k: a file of exactly 10240 bytes is accepted, one byte
    # more is rejected naming the file
    k = make_krj(files=[DRC], start=False)
    name = "KRJ_signals_latest_week_Sized_2026-01-09.csv"
    k.add_file(name, csv_of_size(size))
    r = k.run_batch("run", "--max-size", "10k")
    if ok:
        assert r.returncode == 0, "%d bytes <= 10k accepted: %s" % (
            size, r.stderr)
        assert (k.out / "latest_sized.csv").read_bytes() == \
            csv_of_size(size), "published"
    else:
        assert r.returncode == 2, "%d bytes > 10k rejected, exit 2: %s" % (
            size, r.stderr)
        assert name in r.stderr + r.stdout, "the message names the file"
        assert not (k.out / "latest_sized.csv").exists(), "not published"
        assert (k.out / "latest_drc.csv").read_bytes() == fixture(DRC), \
            "the other category is published"


def test_default_max_size(make_krj):
    # the documented default, 16777216 bytes: one byte more is rejected
    k = make_krj(files=[SP100_OLD], start=False)
    name = "KRJ_signals_latest_week_Sized_2026-01-09.csv"
    k.add_file(name, csv_of_size(16777217))
    r = k.run_batch("run")
    assert r.returncode == 2, "16 MiB + 1 rejected by default: %s" % (
        r.stderr[-500:])
    assert name in r.stderr + r.stdout, "the message names the file"


def test_nothing_valid_exit_3(make_krj):
    k = make_krj(files=[], publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_Bad_2026-01-09.csv", b"symbol,c\n")
    r = k.run_batch("run")
    assert r.returncode == 3, "no valid input at all: exit 3 (--help): %s" \
        % r.stderr
    assert not k.snapshot.exists(), "no snapshot written"


def test_missing_input_dir_exit_1(tmp_path):
    r = krjenv.run_batch("run", input=tmp_path / "nosuch",
                         output=tmp_path)
    assert r.returncode == 1, "missing directory: exit 1 (--help)"
    assert "nosuch" in r.stderr, "the message names the directory"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]])
def test_help_documents_exit_status(args):
    r = krjenv.run_batch(*args)
    assert r.returncode == 0, "%s exits 0" % args
    text = r.stdout + r.stderr
    assert re.search(r"(?i)exit", text), "%s mentions exit status" % args
    for code in ("0", "2"):
        assert re.search(r"(?m)^\s*%s\b" % code, text), \
            "%s documents exit status %s" % (args, code)


def test_unknown_command():
    r = krjenv.run_batch("frobnicate")
    assert r.returncode not in (0, 2), "an unknown command is a usage error"
    assert r.stderr.strip(), "with a message on stderr"


def test_metadata_format(make_krj):
    # README: the original's fields plus version 2 and details
    k = make_krj(files=[SP100_NEW, DRC, "KRJ_signals_latest_week_"
                        "AI_Affected_2026-03-14.csv"], start=False)
    model = krjdata.newest(k.data)
    meta = metadata(k)
    assert meta["signal_date"] == "2026-03-14", "newest across categories"
    assert meta["categories"] == {s: m.signal_date
                                  for s, m in model.items()}, \
        "categories: slug -> signal date, as the original"
    assert meta["version"] == 2
    for slug, m in model.items():
        assert meta["details"][slug] == {
            "label": m.label, "signal_date": m.signal_date,
            "sha256": m.sha256, "rows": len(m.rows),
            "columns": len(m.columns), "source_file": m.source_file}, \
            "details of %s" % slug


def test_invalid_date_warned(make_krj):
    k = make_krj(files=[SP100_NEW], publish=False, start=False)
    bad = k.add_file("KRJ_signals_latest_week_SP100_2026-02-30.csv",
                     fixture(SP100_OLD))
    r = k.publish(expect=0)
    assert any(bad.name in l and "warning" in l
               for l in r.stderr.splitlines()), \
        "an impossible date is ignored with a warning: %s" % r.stderr


def test_unchanged_says_so(make_krj):
    k = make_krj(files=[DRC], start=False)
    r = k.run_batch("run")
    assert r.returncode == 0 and "unchanged" in r.stderr + r.stdout, \
        "an unchanged run says unchanged"


def test_json_log_format(make_krj):
    k = make_krj(files=[SP100_OLD], start=False)
    data, line, _ = bad_field_count(fixture(SP100_NEW))
    k.add_file(SP100_NEW, data)
    k.add_file(EQ_NEW)
    r = k.run_batch("run", "--log-format", "json")
    assert r.returncode == 2
    events = [krjdata.loads(l) for l in r.stderr.splitlines() if l.strip()]
    assert events, "JSON log lines on stderr"
    for e in events:
        assert set(e) >= {"timestamp", "service", "level", "message",
                          "context"}, "JSON log fields: %r" % e
        assert e["service"] == "krj-batch"
        assert ISO_UTC.match(e["timestamp"]) or e["timestamp"], e
    rej = [e for e in events if e["level"] == "error"
           and e["context"].get("file", "").endswith(SP100_NEW)]
    assert rej and rej[0]["context"].get("line") == line, \
        "the rejection carries file and line in context: %r" % events
    dup = [e for e in events if "LLY" in e["message"]]
    assert dup and dup[0]["level"] == "warning", "duplicate ticker warning"


def test_status(make_krj):
    k = make_krj(files=[SP100_NEW, DRC], start=False)
    r = k.run_batch("status")
    assert r.returncode == 0, "status of a valid snapshot exits 0: %s" % (
        r.stderr)
    out = r.stdout + r.stderr
    for slug, m in krjdata.newest(k.data).items():
        assert slug in out and m.signal_date in out and \
            m.source_file in out, "status lists %s" % slug
    data = bytearray(k.snapshot.read_bytes())
    data[len(data) // 2] ^= 1
    k.snapshot.write_bytes(bytes(data))
    r = k.run_batch("status")
    assert r.returncode == 3, "a corrupt snapshot: exit 3"
    assert "checksum" in r.stderr + r.stdout, "the reason is given"
    k.snapshot.unlink()
    r = k.run_batch("status")
    assert r.returncode == 3, "a missing snapshot: exit 3"


def test_recovers_after_corrupt_snapshot(make_krj):
    # a damaged krj.snapshot in the output dir must not wedge krj-batch:
    # the next run (even with unchanged input) publishes a valid one
    k = make_krj(files=[DRC], start=False)
    good = k.snapshot.read_bytes()
    k.snapshot.write_bytes(good[:100])
    r = k.run_batch("run")
    assert r.returncode == 0, r.stderr
    assert k.run_batch("status").returncode == 0, \
        "a valid snapshot again after the run"
