"""krj-batch's command line: every command's --help lists exactly the
options it accepts (checked against every option any --help or the README
names), --help is generated in 80 columns with defaults and environment
variables, unknown commands and options are usage errors (exit 1) with a
precise message, and option values are checked as documented."""

import os
import re

import pytest

import krjenv

COMMANDS = [[], ["run"], ["watch"], ["follow"], ["migrate"], ["status"],
            ["keys"], ["keys", "add"],
            ["keys", "list"], ["keys", "revoke"], ["users"],
            ["users", "add"], ["users", "list"], ["users", "remove"]]
REJECTED = re.compile(r"is not an option of|unknown option")
OPTION = re.compile(r"^  --([a-z][a-z-]*)(?: (\S+))?")


def batch(*args, env=None):
    e = {k: None for k in ("KRJ_DATA_DIR", "KRJ_OUTPUT_DIR", "KRJ_KEY_FILE",
                           "KRJ_USER_FILE", "POSIXLY_CORRECT", "KRJ_PG_DSN",
                           "KRJ_REDIS_URL", "PGHOST", "PGHOSTADDR",
                           "PGDATABASE", "PGSERVICE")}
    e.update(env or {})
    return krjenv.run_batch(*args, env=e, timeout=30)


def help_options(cmd):
    """{name: ARG or None} from the Options: section of cmd --help"""
    r = batch(*cmd, "--help")
    assert r.returncode == 0, "%s --help: %s" % (cmd, r.stderr)
    section = r.stdout.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    opts = {}
    for line in section.splitlines():
        m = OPTION.match(line)
        if m:
            opts[m.group(1)] = m.group(2)
    assert opts, "%s --help lists options" % cmd
    return opts


def readme_options():
    text = (krjenv.REPO / "README.md").read_text()
    section = text.split("\n## krj-batch\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", section))


def every_option():
    known = {}
    for cmd in COMMANDS:
        known.update(help_options(cmd))
    for name in readme_options():
        known.setdefault(name, None)
    return known


def accepts(cmd, name, arg):
    """whether cmd takes --name; --help last, so that nothing is run"""
    probe = ["--" + name] + (["x"] if arg else []) + ["--help"]
    r = batch(*cmd, *probe)
    if REJECTED.search(r.stderr):
        assert r.returncode == 1, "a refused option exits 1"
        return False
    return True


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "-")
def test_help_lists_exactly_the_accepted_options(cmd):
    documented = help_options(cmd)
    for name, arg in every_option().items():
        ok = accepts(cmd, name, arg or documented.get(name))
        if name in documented:
            assert ok, "%s --help lists --%s, which it refuses" % (cmd, name)
        else:
            assert not ok, "%s accepts --%s, which its --help does not " \
                "list" % (cmd, name)


def test_readme_options_exist():
    documented = set()
    for cmd in COMMANDS:
        documented |= set(help_options(cmd))
    assert readme_options() <= documented, \
        "the README names no option that no command has: %s" % (
            readme_options() - documented)
    assert documented <= readme_options(), \
        "the README documents every option: %s" % (
            documented - readme_options())


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "-")
def test_help_layout(cmd):
    r = batch(*cmd, "--help")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith("Usage: krj-batch%s " % "".join(
        " " + w for w in cmd)), r.stdout[:80]
    long = [l for l in r.stdout.splitlines() if len(l) > 79]
    assert not long, "lines over 79 columns: %s" % long
    assert "\nExit status:\n" in r.stdout and "\nOptions:\n" in r.stdout


def test_help_shows_defaults_and_environment():
    run = batch("run", "--help").stdout
    assert re.search(r"--input DIR .*\n.*env KRJ_DATA_DIR, default "
                     r"/var/lib/krj/data\)", run), run
    assert "env KRJ_OUTPUT_DIR" in run and "default 16m" in run
    assert "--log-format text|json" in run and "default text" in run
    assert "--log-level debug|info|warning|error" in run
    add = batch("users", "add", "--help").stdout
    assert "(4 to 15, default 10)" in add, add
    assert "env KRJ_USER_FILE" in add and "/etc/krj/users.htpasswd" in add
    keys = batch("keys", "list", "--help").stdout
    assert "env KRJ_KEY_FILE" in keys and "/etc/krj/api-keys" in keys


def test_groups_list_their_commands():
    out = batch("--help").stdout
    for c in ("run", "watch", "follow", "migrate", "status", "keys",
              "users"):
        assert re.search(r"(?m)^  %s +\S" % c, out), c
    out = batch("keys", "--help").stdout
    for c in ("add NAME", "list", "revoke ID"):
        assert re.search(r"(?m)^  %s +\S" % c, out), c
    out = batch("users", "--help").stdout
    for c in ("add NAME", "list", "remove NAME"):
        assert re.search(r"(?m)^  %s +\S" % c, out), c


@pytest.mark.parametrize("args,message", [
    (["watsch", "--help"], 'krj-batch: unknown command "watsch"'),
    (["history"], 'krj-batch: unknown command "history"'),
    (["folow", "--input", "/tmp"], 'krj-batch: unknown command "folow"'),
    (["frobnicate"], 'krj-batch: unknown command "frobnicate"'),
    (["keys", "nope", "--help"], 'krj-batch: unknown keys command "nope"'),
    (["keys", "nope"], 'krj-batch: unknown keys command "nope"'),
    (["users", "nope", "--help"], 'krj-batch: unknown users command "nope"'),
    (["users", "delete", "bob"], 'krj-batch: unknown users command '
                                 '"delete"'),
])
def test_unknown_command(args, message):
    r = batch(*args)
    assert r.returncode == 1, "%s: exit 1" % args
    assert r.stderr == message + "\n", "%s: %r" % (args, r.stderr)
    assert r.stdout == "", "no help printed for an unknown command"


@pytest.mark.parametrize("args", [[], ["keys"], ["users"]])
def test_no_command_prints_help_to_stderr(args):
    r = batch(*args)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("Usage: krj-batch"), r.stderr[:80]


@pytest.mark.parametrize("args,message", [
    (["run", "--bogus"], 'unknown option "--bogus"'),
    (["run", "-x"], 'unknown option "-x"'),
    (["keys", "list", "--scopes", "x"],
     '--scopes is not an option of "krj-batch keys list"'),
    (["status", "--input", "/tmp"],
     '--input is not an option of "krj-batch status"'),
    (["--input", "/tmp", "run"],
     '--input is not an option of "krj-batch"'),
    (["run", "--max-size"], "--max-size needs a value"),
    (["run", "--quiet=yes"], "--quiet takes no value"),
    (["run", "extra"], 'unexpected argument "extra"'),
    (["keys", "add"], "keys add takes one NAME"),
    (["keys", "revoke", "a", "b"], "keys revoke takes one ID"),
    (["users", "add", "alice", "secret"], "users add takes one NAME"),
    (["run", "--max-size", "0"], 'invalid --max-size "0"'),
    (["run", "--max-size", "2g"], 'invalid --max-size "2g"'),
    (["run", "--max-size", "1025m"], 'invalid --max-size "1025m"'),
    (["run", "--log-format", "xml"], "--log-format is text or json"),
    (["run", "--log-level", "loud"],
     "--log-level is debug, info, warning or error"),
    (["users", "add", "u", "--cost", "3"], "--cost is a number from 4 to 15"),
    (["users", "add", "u", "--cost", "1x"],
     "--cost is a number from 4 to 15"),
])
def test_usage_errors(args, message):
    r = batch(*args)
    assert r.returncode == 1, "%s: exit 1: %s" % (args, r.stderr)
    assert "krj-batch: %s\n" % message in r.stderr, \
        "%s: %r in %r" % (args, message, r.stderr)
    assert r.stdout == ""


def test_options_and_arguments_in_any_order(tmp_path):
    path = tmp_path / "keys"
    for i, args in enumerate([["--scopes", "*", "a0"], ["a1", "--scopes",
                                                         "*"]]):
        r = batch("keys", "add", *args, "--key-file", path)
        assert r.returncode == 0, r.stderr
    # POSIXLY_CORRECT must not make the options after NAME arguments
    r = batch("keys", "add", "a2", "--scopes", "*", "--key-file", path,
              env={"POSIXLY_CORRECT": "1"})
    assert r.returncode == 0, r.stderr
    r = batch("keys", "add", "--scopes", "*", "--key-file", path, "--",
              "--x/y")
    assert r.returncode == 1 and "character" in r.stderr, \
        "after --, words are arguments: %s" % r.stderr
    assert [ln.split(":")[0] for ln in path.read_text().splitlines()] == \
        ["a0", "a1", "a2"]


def test_option_wins_over_environment(tmp_path):
    env_file = tmp_path / "env-users"
    opt_file = tmp_path / "opt-users"
    env_file.write_text("envuser:{PLAIN}x\n")
    opt_file.write_text("optuser:{PLAIN}x\n")
    r = batch("users", "list", env={"KRJ_USER_FILE": str(env_file)})
    assert r.returncode == 0 and "envuser" in r.stdout, "KRJ_USER_FILE"
    r = batch("users", "list", "--user-file", opt_file,
              env={"KRJ_USER_FILE": str(env_file)})
    assert "optuser" in r.stdout and "envuser" not in r.stdout, \
        "--user-file wins over KRJ_USER_FILE"
    r = batch("users", "list", "--user-file", opt_file,
              env={"KRJ_USER_FILE": ""})
    assert "optuser" in r.stdout


def test_empty_environment_is_unset(tmp_path):
    r = batch("run", env={"KRJ_DATA_DIR": "", "KRJ_OUTPUT_DIR": str(
        tmp_path)})
    assert "/var/lib/krj/data" in r.stderr, \
        "an empty KRJ_DATA_DIR means the default: %s" % r.stderr


def test_log_level(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 publish=False, start=False)
    k.add_file("notes.txt", b"x\n")
    levels = {}
    for args in (["--log-level", "debug"], ["--verbose"], [],
                 ["--log-level", "warning"], ["--quiet"],
                 ["--log-level", "error"], ["--verbose", "--quiet"]):
        k.snapshot.unlink(missing_ok=True)
        r = k.run_batch("run", *args)
        assert r.returncode == 0, r.stderr
        levels[" ".join(args)] = set(re.findall(r"krj-batch (\w+): ",
                                                r.stderr))
    assert levels["--log-level debug"] == {"debug", "info"}
    assert levels["--verbose"] == {"debug", "info"}
    assert levels[""] == {"info"}
    assert levels["--log-level warning"] == set()
    assert levels["--quiet"] == set()
    assert levels["--log-level error"] == set()
    assert levels["--verbose --quiet"] == set(), "the last one wins"


def test_version():
    r = batch("--version")
    assert r.returncode == 0
    assert re.match(r"krj-batch \d+\.\d+\.\d+ \(libcsv .*jansson .*zlib "
                    r".*OpenSSL", r.stdout), r.stdout
    assert accepts(["run"], "version", None) is False


def test_help_stops_at_help(tmp_path):
    # --help is answered without looking at what follows it, and without
    # doing anything: no file is created
    path = tmp_path / "keys"
    r = batch("keys", "add", "x", "--key-file", path, "--help", "--bogus")
    assert r.returncode == 0 and r.stdout.startswith("Usage:")
    assert not os.path.exists(path)
