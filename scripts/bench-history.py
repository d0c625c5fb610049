#!/usr/bin/python3
"""Measures, on throwaway servers (tests/integration/krjservers.py):

  1. krj-batch run of a synthetic week of ROWS rows (default 100000), with
     and without PostgreSQL (fsync on): the difference is recording it
     (one transaction, COPY), in seconds and rows per second;
  2. three nodes (nginx A, B, C with krj_reload_interval 1s, krj-batch
     follow on B and C): the time from the start of a run on A until B and
     C serve its generation (the same ETag as A), with Redis up.

    scripts/bench-history.py [ROWS]        (after `make all`)
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]
                       / "tests" / "integration"))

import krjenv  # noqa: E402
import krjservers  # noqa: E402
from krjservers import BatchDaemon, krj_env  # noqa: E402
from test_pg_history import big_week  # noqa: E402


def timed_run(data, out, env):
    t0 = time.time()
    r = krjenv.run_batch("run", "--config", "", input=data, output=out,
                         env=env, timeout=600)
    took = time.time() - t0
    if r.returncode != 0:
        sys.exit("run failed:\n" + r.stderr)
    return took


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    tmp = Path(tempfile.mkdtemp(prefix="krj-bench-history-"))
    # fsync on, as a deployed server has it
    pg = krjservers.PgServer(durable=True)
    pg.start()
    redis = krjservers.RedisServer(tmp / "redis")
    redis.start()
    nodes, followers = {}, []
    try:
        db = pg.create_db()
        r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
        assert r.returncode == 0, r.stderr
        data = tmp / "data"
        data.mkdir()
        big_week(data / "KRJ_signals_latest_week_Big_2026-01-09.csv", rows)
        size = sum(p.stat().st_size for p in data.iterdir())
        plain = timed_run(data, tmp / "out-plain", krj_env())
        recorded = timed_run(data, tmp / "out-pg", krj_env(db))
        n = db.count("krj_rows")
        assert n == rows, n
        print("week of %d rows (%.1f MB): run %.2f s without PostgreSQL, "
              "%.2f s with it: recording %.2f s, %.0f rows/s"
              % (rows, size / 1e6, plain, recorded, recorded - plain,
                 rows / max(recorded - plain, 1e-6)))

        for name in "ABC":
            k = krjenv.Krj(tmp / ("node" + name), files=[])
            k.start()
            nodes[name] = k
        for name in "BC":
            f = BatchDaemon(tmp / ("follow" + name),
                            ["follow", "--output", nodes[name].out],
                            krj_env(db, redis))
            f.start()
            f.wait_log("event=started")
            followers.append(f)
        a = nodes["A"]
        for i, f in enumerate(sorted(krjenv.DATA.glob("KRJ_*.csv"))):
            a.add_file(f.name)
            before = a.get("/api/v1/categories").headers.get("etag")
            t0 = time.time()
            r = krjenv.run_batch("run", "--config", "", input=a.data,
                                 output=a.out, env=krj_env(db, redis))
            assert r.returncode == 0, r.stderr
            ran = time.time() - t0
            while True:
                tags = {n: k.get("/api/v1/categories").headers.get("etag")
                        for n, k in nodes.items()}
                if tags["A"] != before and len(set(tags.values())) == 1:
                    break
                if time.time() - t0 > 30:
                    sys.exit("no convergence: %s" % tags)
                time.sleep(0.01)
            took = time.time() - t0
            print("ingest %d on A (%s): the run %.3f s, B and C serve it "
                  "%.3f s after the run started, %.3f s after it ended"
                  % (i + 1, f.name, ran, took, took - ran))
    finally:
        for f in followers:
            f.stop()
        for k in nodes.values():
            k.stop()
        redis.stop()
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
