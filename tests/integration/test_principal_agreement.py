"""krj-batch and nginx read the key and user files with one grammar: the
corpus of tests/data/principals/ (edge dates, leap days, bad hashes, CR-only
lines, every option) goes through `krj-batch keys list` / `users list` and
through nginx, and both accept or both refuse each line, with the same
reason, the one its .expect file gives (the unit tests check the grammar
against the same files).  The good keys and users then really work; an
oversize file is refused whole by both, in the same words."""

import base64
import re
import shutil

import krjenv

CORPUS = krjenv.DATA / "principals"

BATCH_SKIP = re.compile(r"krj-batch warning: (?P<path>[^:]+):(?P<n>\d+): "
                        r"(?P<reason>.*); line skipped$")
NGINX_SKIP = re.compile(r"krj: (?P<reason>.*) in \"(?P<path>[^\"]+)\" on "
                        r"line (?P<n>\d+), the line is skipped")


def expectations(name):
    out = {}
    for line in (CORPUS / (name + ".expect")).read_text().splitlines():
        n, _, what = line.partition(" ")
        out[int(n)] = what
    return out


def refused(pattern, text, path):
    out = {}
    for line in text.splitlines():
        m = pattern.search(line)
        if m and m.group("path") == str(path):
            out[int(m.group("n"))] = m.group("reason")
    return out


def test_both_programs_agree_on_every_line(make_krj, tmp_path):
    keys = tmp_path / "keys"
    users = tmp_path / "users"
    shutil.copy(CORPUS / "keys", keys)
    shutil.copy(CORPUS / "users", users)

    k = make_krj(http_extra="    krj_key_file %s;\n    krj_user_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % (keys, users),
                 locations="location /api/v1/ { krj_auth key basic; "
                           "krj_api; }")
    log = k.nginx.error_log()

    for name, path, cmd in (("keys", keys, ("keys", "list", "--key-file")),
                            ("users", users,
                             ("users", "list", "--user-file"))):
        want = expectations(name)
        r = krjenv.run_batch(*(cmd + (path,)))
        assert r.returncode == 0, r.stderr
        by_batch = refused(BATCH_SKIP, r.stderr, path)
        by_nginx = refused(NGINX_SKIP, log, path)
        bad = {n: w[5:] for n, w in want.items() if w.startswith("bad: ")}

        assert sorted(by_batch) == sorted(bad), (name, by_batch)
        assert by_nginx == by_batch, \
            "%s: nginx and krj-batch give the same reason for each line" \
            % name
        for n, reason in by_batch.items():
            assert reason.startswith(bad[n]), (name, n, reason, bad[n])

        # what both accept is what works
        for n, line in enumerate(path.read_bytes().split(b"\n")[:-1], 1):
            if not want[n].startswith("ok"):
                continue
            ident = line.split(b":")[0].decode()
            assert ident in r.stdout, "%s lists %s" % (name, ident)
            if name == "keys":
                h = {"Authorization": "Bearer krj_corpus_" + ident}
                expect = 401 if want[n] in ("ok expired", "ok revoked") \
                    else 200
            else:
                h = {"Authorization": "Basic " + base64.b64encode(
                    ("%s:pw-%s" % (ident, ident)).encode()).decode()}
                expect = 200
            status = k.get("/api/v1/categories", headers=h).status
            assert status == expect, (name, ident, status)


def test_oversize_file_refused_whole_by_both(make_krj, tmp_path):
    keys = tmp_path / "keys"
    good = (CORPUS / "keys").read_bytes()
    keys.write_bytes(good)
    k = make_krj(reload_interval="100ms",
                 http_extra="    krj_key_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    k.allow_log = [r"\[crit\].*over the limit of 16777216, every key of it "
                   r"is refused"]
    h = {"Authorization": "Bearer krj_corpus_ok1"}
    assert k.get("/api/v1/categories", headers=h).status == 200

    with open(keys, "ab") as f:                 # one byte over 16 MiB
        f.write(b"#" * (16 * 1024 * 1024 + 1 - len(good) - 1) + b"\n")
    size = keys.stat().st_size
    assert size == 16 * 1024 * 1024 + 1

    reason = "file is %d bytes, over the limit of 16777216" % size
    r = krjenv.run_batch("keys", "list", "--key-file", keys)
    assert r.returncode != 0 and reason in r.stderr, r.stderr

    import time
    deadline = time.time() + 5
    while time.time() < deadline and \
            k.get("/api/v1/categories", headers=h).status != 401:
        time.sleep(0.05)
    assert k.get("/api/v1/categories", headers=h).status == 401
    assert reason in k.nginx.error_log()
