"""The man pages krj-batch(1) and ngx_http_krj_module(8), made from the
README by scripts/mkman.py as the package build makes them: groff formats
them without a warning, also without man-db's preconv (every character
beyond ASCII is a groff escape), they carry the version and date they
were given, and they hold every command, directive and variable the
README documents."""

import re
import subprocess
import sys
import time

import pytest

import krjenv

README = (krjenv.REPO / "README.md").read_text()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("man")
    subprocess.run([sys.executable, str(krjenv.REPO / "scripts" / "mkman.py"),
                    "--version", "9.8.7", "--date", "2026-01-10",
                    str(krjenv.REPO / "README.md"), str(out)],
                   check=True, timeout=60)
    return {"batch": out / "krj-batch.1",
            "module": out / "ngx_http_krj_module.8"}


def headings(page):
    return [m.group(1).replace("\\-", "-").lower() for m in re.finditer(
        r'(?m)^\.S[HS] "?([^"\n]+)"?$', page.read_text())]


def section(name):
    """The README section "## name", to the next "## "."""
    m = re.search(r"(?ms)^## %s\n(.*?)(?=^## )" % re.escape(name), README)
    assert m, name
    return m.group(1)


@pytest.mark.parametrize("which", ["batch", "module"])
def test_groff_formats_it_without_warnings(pages, which):
    page = pages[which]
    assert page.read_bytes().isascii(), page.name
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                       capture_output=True, text=True, timeout=60,
                       env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and r.stderr == "", r.stderr[:3000]


@pytest.mark.parametrize("which,title,section", [
    ("batch", r"KRJ\-BATCH", "1"),
    ("module", "NGX_HTTP_KRJ_MODULE", "8")])
def test_title_line(pages, which, title, section):
    first = [ln for ln in pages[which].read_text().splitlines()
             if ln.startswith(".TH ")]
    assert first == ['.TH %s %s 2026-01-10 "krj 9.8.7" "krj"'
                     % (title, section)]


def test_version_and_date_default_to_version_and_changelog(tmp_path):
    subprocess.run([sys.executable, str(krjenv.REPO / "scripts" / "mkman.py"),
                    str(krjenv.REPO / "README.md"), str(tmp_path)],
                   check=True, timeout=60)
    changelog = str(krjenv.REPO / "debian" / "changelog")
    r = subprocess.run(["dpkg-parsechangelog", "-l", changelog, "-S",
                        "Timestamp"], capture_output=True, text=True,
                       timeout=30, check=True)
    date = time.strftime("%Y-%m-%d", time.gmtime(int(r.stdout)))
    version = (krjenv.REPO / "VERSION").read_text().strip()
    for name in ("krj-batch.1", "ngx_http_krj_module.8"):
        th = (tmp_path / name).read_text().splitlines()[1]
        assert th.endswith(' %s "krj %s" "krj"' % (date, version)), th


def test_every_command_in_krj_batch_1(pages):
    out = krjenv.run_batch("--help").stdout
    commands = re.findall(r"(?m)^  ([a-z]+) ", out.split("Commands:")[1]
                          .split("\n\n")[0])
    assert "backup" in commands and "restore" in commands, out
    heads = headings(pages["batch"])
    for cmd in commands:
        assert any(re.search(r"\b%s\b" % cmd, h) for h in heads), \
            "krj-batch %s has no section in krj-batch(1): %s" % (cmd, heads)


def test_every_directive_and_variable_in_the_module_page(pages):
    directives = re.findall(r"(?m)^### (krj_\w+)$", section("Directives"))
    assert len(directives) > 10
    heads = headings(pages["module"])
    for d in directives:
        assert d in heads, d
    variables = re.findall(r"(?m)^\| `\$(krj_\w+)` \|", section("Variables"))
    assert variables
    text = pages["module"].read_text()
    for v in variables:
        assert "$" + v in text, v
