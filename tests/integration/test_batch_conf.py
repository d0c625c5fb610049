"""krj-batch's configuration file: the sample conf/krj-batch.conf names
every option of the table and parses; "name = value" lines set the options
under the environment and the command line; a bad line is an error naming
file, line and reason; a missing --config file is an error."""

import re

import pytest

import krjenv
from krjservers import krj_env

SAMPLE = krjenv.REPO / "conf" / "krj-batch.conf"
COMMANDS = [["run"], ["watch"], ["follow"], ["migrate"], ["status"],
            ["keys", "add"], ["keys", "list"], ["keys", "revoke"],
            ["users", "add"], ["users", "list"], ["users", "remove"], []]
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"


def options():
    names = set()
    for cmd in COMMANDS:
        r = krjenv.run_batch(*cmd, "--help", env=krj_env())
        section = r.stdout.split("\nOptions:\n", 1)[1]
        names |= set(re.findall(r"(?m)^  --([a-z][a-z-]*)", section))
    return names


def settings(text):
    """{name: value} of the sample's commented-out settings."""
    return dict(re.findall(r"(?m)^#([a-z][a-z-]*) = (.*)$", text))


def test_sample_names_every_option():
    text = SAMPLE.read_text()
    shown = settings(text)
    argv_only = re.search(r"# Command line only: (.*?)\n#\n", text,
                          re.S).group(1)
    for name in options():
        assert name in shown or "--" + name in argv_only, \
            "conf/krj-batch.conf shows %s" % name
    assert not set(shown) - options(), "no setting that nothing reads"


def test_sample_parses(tmp_path):
    text = SAMPLE.read_text()
    # every setting enabled, with its shown value, paths made local
    lines = []
    for line in text.splitlines():
        m = re.match(r"#([a-z][a-z-]*) = (.*)$", line)
        if m:
            value = m.group(2)
            if m.group(1) in ("pg-dsn", "redis-url"):
                continue
            if value.startswith("/"):
                value = str(tmp_path) + value
            line = "%s = %s" % (m.group(1), value)
        lines.append(line)
    conf = tmp_path / "krj-batch.conf"
    conf.write_text("\n".join(lines) + "\n")
    (tmp_path / "var/lib/krj/data").mkdir(parents=True)
    (tmp_path / "var/lib/krj/data" / DRC).write_bytes(
        (krjenv.DATA / DRC).read_bytes())
    r = krjenv.run_batch("run", "--config", conf, env=krj_env())
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "var/lib/krj/output/krj.snapshot").exists(), \
        "input and output came from the file"
    r = krjenv.run_batch("status", "--config", SAMPLE, env=krj_env(
        KRJ_OUTPUT_DIR=str(tmp_path / "var/lib/krj/output")))
    assert r.returncode == 0, "the sample as shipped parses: " + r.stderr


def test_file_under_environment_under_options(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    conf = tmp_path / "c.conf"
    conf.write_text("# a comment\n\n  input = %s  \noutput = \"%s\"\n"
                    "log-format = json\n" % (k.data, tmp_path / "from-file"))
    r = krjenv.run_batch("run", "--config", conf, env=krj_env())
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "from-file" / "krj.snapshot").exists()
    assert r.stderr.startswith('{"timestamp"'), "log-format from the file"
    r = krjenv.run_batch("run", "--config", conf, env=krj_env(
        KRJ_OUTPUT_DIR=str(tmp_path / "from-env")))
    assert (tmp_path / "from-env" / "krj.snapshot").exists(), \
        "the environment wins over the file"
    r = krjenv.run_batch("run", "--config", conf, "--output",
                         tmp_path / "from-argv", "--log-format", "text",
                         env=krj_env(KRJ_OUTPUT_DIR=str(tmp_path / "x")))
    assert (tmp_path / "from-argv" / "krj.snapshot").exists(), \
        "an option wins over both"
    assert "krj-batch info:" in r.stderr


@pytest.mark.parametrize("text,line,reason", [
    ("input = /tmp\nbogus = 1\n", 2, 'unknown option "bogus"'),
    ("max-size\n", 1, 'expected "name = value"'),
    ("# ok\nmax-size = 2g\n", 2, 'invalid max-size "2g"'),
    ("log-level = loud\n", 1, "log-level is debug, info, warning or error"),
    ("follow-symlinks = maybe\n", 1, "follow-symlinks is on or off"),
    ("settle = 2 s\n", 1, "settle is a time from 0ms to 3600s (500ms, 2s, "
     "10m, 1h; no unit: seconds), not \"2 s\""),
    ("quiet = yes\n", 1, '"quiet" is a command-line option only'),
    ("config = /etc/x\n", 1, '"config" is a command-line option only'),
    ("input =\n", 1, '"input" has no value'),
    ('output = "/tmp\n', 1, "unterminated quote"),
    ("group = no-such-group-krj\n", 1,
     'group: unknown group "no-such-group-krj"'),
    ("a\0b = 1\n", 1, "a NUL byte"),
])
def test_bad_line(tmp_path, text, line, reason):
    conf = tmp_path / "bad.conf"
    conf.write_bytes(text.encode())
    r = krjenv.run_batch("status", "--config", conf, env=krj_env())
    assert r.returncode == 1, r.stderr
    assert r.stderr == "krj-batch: %s:%d: %s\n" % (conf, line, reason), \
        r.stderr


def test_missing_explicit_file(tmp_path):
    r = krjenv.run_batch("status", "--config", tmp_path / "nope.conf",
                         env=krj_env())
    assert r.returncode == 1
    assert "nope.conf: cannot open the configuration file: No such file" \
        in r.stderr


def test_help_ignores_a_bad_file(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("bogus = 1\n")
    r = krjenv.run_batch("run", "--config", conf, "--help", env=krj_env())
    assert r.returncode == 0 and r.stdout.startswith("Usage:")


def test_empty_config_reads_no_file(tmp_path):
    r = krjenv.run_batch("status", "--config", "", "--output", tmp_path,
                         env=krj_env())
    assert r.returncode == 3, "no snapshot there, but no file error: %s" \
        % r.stderr
    assert "configuration" not in r.stderr
