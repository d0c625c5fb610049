"""krj-batch and Redis: a recorded run is announced on the stream
krj:updates (XADD, capped) and the channel krj:updates (PUBLISH), over
redis://, rediss:// (TLS, the certificate checked) and unix://, with a
user and password from the URL; bad URLs are usage errors; the ingest lock
(SET NX PX) makes a second node wait and is deleted only by its owner."""

import json
import subprocess
import time

import pytest

import krjenv
import krjservers
from krjservers import krj_env

DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
SP100 = "KRJ_signals_latest_week_SP100_2026-01-09.csv"


def run(k, db=None, redis=None, *args, expect=0):
    r = k.run_batch("run", "--config", "", *args, env=krj_env(db, redis))
    assert r.returncode == expect, "run exited %d, expected %d:\n%s" % (
        r.returncode, expect, r.stderr)
    return r


def entries(redis):
    """XRANGE as [(id, {field: value})] (redis-cli prints one per line)."""
    out = redis.cli("XRANGE", "krj:updates", "-", "+").splitlines()
    res, i = [], 0
    while i < len(out):
        rid = out[i]
        fields = {}
        i += 1
        while i + 1 < len(out) and not (out[i][:1].isdigit()
                                        and "-" in out[i]
                                        and out[i].split("-")[0].isdigit()):
            fields[out[i]] = out[i + 1]
            i += 2
        res.append((rid, fields))
    return res


def generation(k):
    r = k.run_batch("status", "--config", "", env=krj_env())
    return [ln.split()[1] for ln in r.stdout.splitlines()
            if ln.startswith("generation: ")][0]


def test_announced_on_stream_and_channel(make_krj, redis):
    k = make_krj(files=[DRC, SP100], publish=False, start=False)
    sub = subprocess.Popen([krjservers.REDIS_CLI, "-p", str(redis.port),
                            "SUBSCRIBE", "krj:updates"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
    try:
        time.sleep(0.3)
        r = run(k, None, redis)
        assert "event=announced" in r.stderr, r.stderr
        gen = generation(k)
        e = entries(redis)
        assert len(e) == 1
        fields = e[0][1]
        assert fields["type"] == "run" and fields["generation"] == gen
        msg = json.loads(fields["message"])
        assert msg["generation"] == gen and msg["type"] == "run"
        assert msg["signal_date"] == "2026-01-09"
        meta = json.loads((k.out / "metadata.json").read_text())
        assert msg["generated_at"] == meta["generated_at"]
        assert msg["categories"] == {
            s: {"signal_date": d["signal_date"], "sha256": d["sha256"]}
            for s, d in meta["details"].items()}
        deadline = time.time() + 5
        got = ""
        while time.time() < deadline and fields["message"] not in got:
            sub.poll()
            line = sub.stdout.readline()
            got += line
        assert fields["message"] in got, "the same message is PUBLISHed"
    finally:
        sub.kill()
        sub.wait()


def test_stream_is_capped(make_krj, redis):
    k = make_krj(files=[DRC], publish=False, start=False)
    node = int(redis.cli("CONFIG", "GET", "stream-node-max-entries")
               .split()[1])
    for i in range(3 * node):
        redis.cli("XADD", "krj:updates", "*", "type", "test", "n", str(i))
    run(k, None, redis, "--stream-maxlen", "10")
    # MAXLEN ~ trims whole macro nodes of stream-node-max-entries each
    n = int(redis.cli("XLEN", "krj:updates"))
    assert 10 <= n <= 10 + node, "trimmed to about 10: %d" % n
    last = entries(redis)[-1][1]
    assert last["type"] == "run"


def test_tls(make_krj, tmp_path):
    srv = krjservers.RedisServer(tmp_path / "tls", tls=True)
    srv.start()
    try:
        k = make_krj(files=[DRC], publish=False, start=False)
        r = run(k, None, srv)
        assert "event=announced" in r.stderr, r.stderr
        assert srv.cli("XLEN", "krj:updates").strip() == "1"
        # a certificate the client does not trust is refused
        url = "rediss://127.0.0.1:%d" % srv.port
        k.add_file(SP100)
        r = run(k, None, url, expect=4)
        assert "certificate verification failed" in r.stderr, r.stderr
        # nor a name it does not carry
        url = "rediss://127.0.0.2:%d?ca=%s" % (srv.port, srv.ca)
        r = krjenv.run_batch("status", "--config", "", output=k.out,
                             env=krj_env(None, url))
        assert "redis: unreachable" in r.stdout, r.stdout
    finally:
        srv.stop()


def test_password_and_database(make_krj, tmp_path):
    srv = krjservers.RedisServer(tmp_path / "pw", password="s3cr%t")
    srv.start()
    try:
        k = make_krj(files=[DRC], publish=False, start=False)
        url = "redis://default:s3cr%%25t@127.0.0.1:%d/3" % srv.port
        r = run(k, None, url)
        assert "event=announced" in r.stderr, r.stderr
        assert "s3cr" not in r.stderr, "the password is never logged"
        assert srv.cli("-n", "3", "XLEN", "krj:updates").strip() == "1"
        assert srv.cli("-n", "0", "XLEN", "krj:updates").strip() == "0"
        k.add_file(SP100)
        url = "redis://default:wrong@127.0.0.1:%d" % srv.port
        r = run(k, None, url, expect=4)
        assert "WRONGPASS" in r.stderr or "invalid" in r.stderr, r.stderr
        assert "wrong" not in r.stderr.replace("WRONGPASS", "")
    finally:
        srv.stop()


def test_unix_socket(make_krj, tmp_path):
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen([krjservers.REDIS_SERVER, "--port", "0",
                             "--unixsocket", str(sock), "--save", "",
                             "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not sock.exists() and time.time() < deadline:
            time.sleep(0.05)
        k = make_krj(files=[DRC], publish=False, start=False)
        r = run(k, None, "unix://%s?db=2" % sock)
        assert "event=announced" in r.stderr, r.stderr
        out = subprocess.run([krjservers.REDIS_CLI, "-s", str(sock), "-n",
                              "2", "XLEN", "krj:updates"],
                             capture_output=True, text=True).stdout
        assert out.strip() == "1"
    finally:
        proc.terminate()
        proc.wait()


@pytest.mark.parametrize("url,message", [
    ("http://127.0.0.1", "redis://, rediss:// or unix:// expected"),
    ("redis://127.0.0.1:0", "bad port"),
    ("redis://127.0.0.1:99999", "bad port"),
    ("redis://127.0.0.1/x", "the database is a number"),
    ("redis://u:%zz@127.0.0.1", "bad user or password encoding"),
    ("unix://relative/path", "unix:// needs an absolute path"),
    ("redis://127.0.0.1?ca=/x", "unknown or bad parameter \"ca\""),
    ("redis://[::1", "bad host"),
])
def test_bad_url(make_krj, url, message):
    k = make_krj(files=[DRC], publish=False, start=False)
    r = run(k, None, url, expect=4)
    assert message in r.stderr, r.stderr


def test_lock_makes_a_second_node_wait(make_krj, redis):
    k = make_krj(files=[DRC], publish=False, start=False)
    redis.cli("SET", "krj:lock:ingest", "other-node:1:abc", "PX", "1500")
    t0 = time.time()
    r = run(k, None, redis, "--verbose")
    waited = time.time() - t0
    assert "event=lock_wait" in r.stderr and "event=lock_taken" in r.stderr
    assert waited >= 1.0, "it waited for the other node (%.2f s)" % waited
    assert redis.cli("EXISTS", "krj:lock:ingest").strip() == "0", \
        "released by its owner"


def test_lock_of_another_is_never_deleted(make_krj, redis):
    k = make_krj(files=[DRC], publish=False, start=False)
    redis.cli("SET", "krj:lock:ingest", "other-node:1:abc", "PX", "60000")
    r = run(k, None, redis, "--lock-ttl", "1s")
    assert "event=lock_timeout" in r.stderr, r.stderr
    assert k.snapshot.exists(), "the run went on"
    assert redis.cli("GET", "krj:lock:ingest").strip() == \
        "other-node:1:abc", "another node's lock stays"
    ttl = int(redis.cli("PTTL", "krj:lock:ingest"))
    assert 0 < ttl <= 60000
