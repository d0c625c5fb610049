#!/usr/bin/python3
"""What the history costs, on a throwaway PostgreSQL (krjservers.py):

  WEEKS - 1 synthetic weeks of ROWS rows (scripts/synth-week.py, a seed
  each, so signals change) recorded by krj-batch run, then krj-batch run of
  the last week: with --history-weeks 0 and 52 (the history from PostgreSQL),
  and once more without PostgreSQL (carried over from the snapshot): the
  time and peak memory of each run, the snapshot's size and what the
  history adds, and how long nginx takes to load it.

    scripts/bench-history-export.py [ROWS [WEEKS]]   (after `make all`)
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "scripts"))

import krjenv  # noqa: E402
import krjservers  # noqa: E402
from krjservers import krj_env  # noqa: E402

synth = __import__("synth-week")

MAX_SIZE = "256m"


def record_weeks(db, tmp, rows, weeks, last):
    """WEEKS - 1 weeks before last, each ingested and recorded by krj-batch
    run --history-weeks 0, so krj_rows holds them as krj-batch writes it."""
    data = tmp / "weeks"
    data.mkdir()
    for w in range(weeks - 1, 0, -1):
        d = (last - datetime.timedelta(weeks=w)).isoformat()
        for f in data.iterdir():
            f.unlink()
        synth.write_week(data / ("KRJ_signals_latest_week_Big_%s.csv" % d),
                         rows, weeks - w)
        timed(["run", "--input", str(data), "--output", str(tmp / "weeks-out"),
               "--history-weeks", "0", "--max-size", MAX_SIZE], krj_env(db))


def timed(args, env):
    """(seconds, peak RSS in MB, stderr) of one krj-batch."""
    e = krjenv.environ_with(env)
    t0 = time.time()
    proc = subprocess.Popen([str(krjenv.BATCH)] + args + ["--config", ""],
                            env=e, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.time() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 4):
        sys.exit("krj-batch %s failed:\n%s" % (args, err))
    return took, usage.ru_maxrss / 1024, err


def history_stats(out):
    r = krjenv.run_batch("status", "--config", "", output=out,
                         env=krj_env())
    return [x for x in r.stdout.splitlines() if x.startswith("history:")][0]


def load_time(out, tmp):
    """nginx's own figure for mapping and validating the snapshot."""
    k = krjenv.Krj(tmp, files=[])
    shutil.copy(out / "krj.snapshot", k.out / "krj.snapshot")
    k.start()
    try:
        log = k.nginx.error_log()
        line = [x for x in log.splitlines() if "copied and validated" in x]
        return line[0].split("validated in ")[1] if line else "?"
    finally:
        k.stop()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    weeks = int(sys.argv[2]) if len(sys.argv) > 2 else 52
    tmp = Path(tempfile.mkdtemp(prefix="krj-bench-export-"))
    pg = krjservers.PgServer()
    pg.start()
    try:
        db = pg.create_db()
        r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
        assert r.returncode == 0, r.stderr
        last = datetime.date(2026, 1, 9)
        data = tmp / "data"
        data.mkdir()
        t0 = time.time()
        record_weeks(db, tmp, rows, weeks, last)
        print("recorded %d weeks of %d rows (krj_rows: %s) in %.0f s"
              % (weeks - 1, rows, db.count("krj_rows"), time.time() - t0))
        synth.write_week(data / ("KRJ_signals_latest_week_Big_%s.csv"
                                 % last.isoformat()), rows, weeks)

        # the first records the last week (its COPY), so that the two
        # measured runs record alike: nothing new, or one run's rows
        outs = {}
        for name, hw, env in (("record", "0", krj_env(db)),
                              ("none", "0", krj_env(db)),
                              ("postgresql", str(weeks), krj_env(db))):
            out = tmp / ("out-" + name)
            took, rss, err = timed(["run", "--input", str(data), "--output",
                                    str(out), "--history-weeks", hw,
                                    "--max-size", MAX_SIZE], env)
            outs[name] = (out, took, rss)
            if name == "record":
                continue
            print("run, --history-weeks %s%s: %.2f s, peak %.0f MB, "
                  "snapshot %d bytes" % (
                      hw, " (from PostgreSQL)" if hw != "0" else "", took,
                      rss, (out / "krj.snapshot").stat().st_size))
            for line in err.splitlines():
                if "event=history " in line:
                    print("   ", line.split("event=history ")[1])

        # carried over: the snapshot alone, PostgreSQL not configured
        out = tmp / "out-carried"
        out.mkdir()
        shutil.copy(outs["postgresql"][0] / "krj.snapshot", out)
        took, rss, err = timed(["run", "--input", str(data), "--output",
                                str(out), "--history-weeks", str(weeks),
                                "--max-size", MAX_SIZE], krj_env())
        print("run, carried over without PostgreSQL: %.2f s, peak %.0f MB"
              % (took, rss))
        for line in err.splitlines():
            if "event=history " in line:
                print("   ", line.split("event=history ")[1])

        base = (outs["none"][0] / "krj.snapshot").stat().st_size
        full = (outs["postgresql"][0] / "krj.snapshot").stat().st_size
        print("history adds %d bytes (%.1f MB, %.1fx the snapshot without "
              "it) and %.2f s to the run; %s" % (
                  full - base, (full - base) / 1e6, full / base,
                  outs["postgresql"][1] - outs["none"][1],
                  history_stats(outs["postgresql"][0])))
        print("nginx loads it in %s (without history: %s)" % (
            load_time(outs["postgresql"][0], tmp / "nginx-full"),
            load_time(outs["none"][0], tmp / "nginx-none")))
    finally:
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
