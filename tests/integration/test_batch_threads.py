"""krj-batch --threads (and the configuration file's threads): the
snapshot is the same bytes whatever the number of threads that compress
it, large bodies (cut into 1 MiB deflate streams compressed in parallel)
included; a bad number is refused with a clear message."""

import os
import shutil
import struct
import subprocess

import pytest

from krjenv import BATCH, DATA, REPO, all_fixture_files, run_batch

BIG = "KRJ_signals_latest_week_Big_2026-01-09.csv"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("threads") / "data"
    d.mkdir()
    for f in all_fixture_files():
        shutil.copyfile(DATA / f, d / f)
    # 7000 rows: a CSV over 1 MiB, its JSON and dashboard page larger
    subprocess.run([str(REPO / "scripts" / "synth-week.py"), "7000",
                    str(d / BIG)], check=True)
    assert (d / BIG).stat().st_size > 1024 * 1024
    return d


def snapshot_time(path):
    """generated_at (krj_snapshot.h's header, offset 64)."""
    with open(path, "rb") as f:
        return struct.unpack_from("<q", f.read(72), 64)[0]


def run_together(data, outs, extra):
    """One krj-batch run per (out, args), all started at once, so that
    they most likely take the same second as generation time."""
    procs = []
    for out, args in zip(outs, extra):
        env = dict(os.environ, KRJ_DATA_DIR=str(data),
                   KRJ_OUTPUT_DIR=str(out))
        procs.append(subprocess.Popen(
            [str(BATCH), "run"] + args, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err


def test_same_snapshot_for_every_thread_count(data, tmp_path):
    conf = tmp_path / "krj-batch.conf"
    conf.write_text("threads = 3\n")
    extra = [["--threads", "1"], ["--threads", "4"], ["--config", str(conf)],
             []]
    for attempt in range(5):
        outs = []
        for i in range(len(extra)):
            out = tmp_path / ("out%d.%d" % (attempt, i))
            out.mkdir()
            outs.append(out)
        run_together(data, outs, extra)
        times = {snapshot_time(o / "krj.snapshot") for o in outs}
        if len(times) == 1:
            break
    else:
        pytest.fail("five tries, never the same generation second")
    first = (outs[0] / "krj.snapshot").read_bytes()
    assert len(first) > 4 * 1024 * 1024
    for o, args in zip(outs[1:], extra[1:]):
        other = (o / "krj.snapshot").read_bytes()
        assert other == first, \
            "krj-batch run %s: the snapshot differs from --threads 1" % args


@pytest.mark.parametrize("value", ["0", "65", "-1", "abc", "", "1.5", "2x"])
def test_bad_threads_refused(tmp_path, value):
    r = run_batch("run", "--threads", value, input=tmp_path / "in",
                  output=tmp_path / "out")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        "krj-batch: --threads is a number from 1 to 64", r.stderr
    assert not (tmp_path / "out").exists()


def test_bad_threads_in_config_refused(tmp_path):
    conf = tmp_path / "krj-batch.conf"
    conf.write_text("threads = 99\n")
    r = run_batch("run", "--config", conf, input=tmp_path / "in",
                  output=tmp_path / "out")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        "krj-batch: %s:1: threads is a number from 1 to 64" % conf, r.stderr


def test_threads_in_help():
    r = run_batch("run", "--help")
    assert r.returncode == 0
    assert "--threads N" in r.stdout
