"""krj-batch's log cannot be forged: in the text format every control byte,
backslash and invalid UTF-8 byte of a message or file name is written as
\\xHH, so one event stays one line; the JSON format stays valid JSON with
valid UTF-8; long messages are cut on a character boundary."""

import json
import os
import re

import krjenv

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ krj-batch "
                  r"(debug|info|warning|error): ")
FORGED = "2026-01-01T00:00:00Z krj-batch error: forged"
NAME = "KRJ_signals_latest_week_Forge_2026-01-09.csv"
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"


def forged_csv(ticker):
    """A valid CSV whose quoted ticker appears twice: a duplicate-ticker
    warning quotes it."""
    cell = '"%s"' % ticker.replace('"', '""')
    return ("ticker,signal\n%s,Long\nBBB,Short\n%s,Long\n"
            % (cell, cell)).encode()


def text_lines(r):
    lines = r.stderr.split("\n")
    assert lines[-1] == "", "stderr ends with a newline"
    return lines[:-1]


def test_newline_in_ticker_cannot_forge_a_line(make_krj):
    k = make_krj(files=[], publish=False, start=False)
    k.add_file(NAME, forged_csv("AAA\n" + FORGED))
    r = k.publish(expect=0)
    lines = text_lines(r)
    bad = [l for l in lines if not LINE.match(l)]
    assert not bad, "every stderr line is a log event: %r" % bad
    assert not [l for l in lines if l.startswith(FORGED)], \
        "no forged error line: %r" % lines
    (warn,) = [l for l in lines if "duplicate ticker" in l]
    # lines count physically: the first AAA record spans lines 2 and 3
    assert " krj-batch warning: event=duplicate_ticker %s:5: " % NAME in warn
    assert '"AAA\\x0A%s"' % FORGED in warn, \
        "the newline is written as \\x0A: %r" % warn
    assert (k.out / "latest_forge.csv").exists(), "still published"


def test_control_bytes_escaped(make_krj):
    k = make_krj(files=[], publish=False, start=False)
    k.add_file(NAME, forged_csv("A\rB\tC\x1b[2JD\x7fE\\x0A\u009b"))
    r = k.publish(expect=0)
    (warn,) = [l for l in text_lines(r) if "duplicate ticker" in l]
    assert '"A\\x0DB\\x09C\\x1B[2JD\\x7FE\\x5Cx0A\\xC2\\x9B"' in warn, \
        "CR, tab, ESC, DEL, C1 and the backslash escaped: %r" % warn
    assert not re.search(r"[\x00-\x1f\x7f\x80-\x9f]", warn)


def test_json_log_stays_valid(make_krj):
    k = make_krj(files=[], publish=False, start=False)
    k.add_file(NAME, forged_csv("AAA\n" + FORGED))
    r = k.run_batch("run", "--log-format", "json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(l) for l in text_lines(r)]
    (dup,) = [e for e in events if "duplicate ticker" in e["message"]]
    assert dup["message"] == ('duplicate ticker "AAA\n%s" (lines 2 and 5)'
                              % FORGED), \
        "JSON keeps the newline, escaped by JSON itself: %r" % dup
    assert dup["context"] == {"event": "duplicate_ticker", "file": NAME,
                              "line": 5}


def test_cut_character_stays_valid_utf8(make_krj):
    # the duplicate-ticker warning quotes at most 64 bytes of the ticker:
    # a cut inside a character used to make the JSON event unloggable
    k = make_krj(files=[], publish=False, start=False)
    k.add_file(NAME, forged_csv("A" * 63 + "\u00e9"))
    r = k.run_batch("run", "--log-format", "json")
    assert r.returncode == 0, r.stderr
    events = [json.loads(l) for l in text_lines(r)]
    assert "unloggable message" not in r.stderr, r.stderr
    (dup,) = [e for e in events if "duplicate ticker" in e["message"]]
    assert '"%s\\xC3"' % ("A" * 63) in dup["message"], \
        "the stray byte of the cut character is escaped: %r" % dup

    r = k.run_batch("run")
    (warn,) = [l for l in text_lines(r) if "duplicate ticker" in l]
    assert '"%s\\xC3"' % ("A" * 63) in warn, warn


def test_file_names_escaped(make_krj):
    # directory entries are logged (here at debug level) with their names
    k = make_krj(files=[DRC], publish=False, start=False)
    evil = os.fsencode(str(k.data)) + b"/evil\n" + FORGED.encode() + \
        b"\xff.txt"
    with open(evil, "wb") as f:
        f.write(b"x\n")
    r = k.run_batch("run", "--verbose")
    assert r.returncode == 0, r.stderr
    lines = text_lines(r)
    assert not [l for l in lines if not LINE.match(l)], lines
    assert not [l for l in lines if l.startswith(FORGED)], lines
    (ign,) = [l for l in lines if "evil" in l]
    assert "evil\\x0A%s\\xFF.txt: ignored" % FORGED in ign, ign

    r = k.run_batch("run", "--verbose", "--log-format", "json")
    events = [json.loads(l) for l in text_lines(r)]
    (ign,) = [e for e in events if "evil" in e["context"].get("file", "")]
    assert ign["context"]["file"] == "evil\n%s\\xFF.txt" % FORGED, ign


def test_long_file_name_cut(tmp_path):
    # an input directory path of 2900 bytes in the file context: cut to
    # the documented 1024 bytes, between two characters, marked "..."
    d = tmp_path
    for i in range(12):
        d = d / ("\u00e9" * 120)
    r = krjenv.run_batch("run", input=d, output=tmp_path / "out")
    assert r.returncode == 1
    (line,) = text_lines(r)
    assert LINE.match(line), line
    assert " krj-batch error: event=input_unreadable " in line, line
    name = line.split(" event=input_unreadable ", 1)[1] \
        .rsplit(": input directory: ", 1)[0]
    assert name.endswith("..."), name[-40:]
    assert 1000 < len(name.encode()) <= 1023, len(name.encode())
    # stderr decoded as UTF-8 (strictly): the cut fell between characters
    assert str(d).startswith(name[:-3]), "a prefix of the path"
