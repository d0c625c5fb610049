"""The README's command blocks, for the tests that run them.

Every ```sh block of README.md (at any indentation, as in a list item)
follows a marker line `<!-- run: NAME -->` at the same indentation.  A
test runs a block as block("NAME"), or as script("NAME", (old, new), ...)
where each rule is an exact substitution (a path, a domain, a port of the
test's servers) that must still match: a README that drifts from its test
fails the test instead of being run half.  test_readme.py checks that
every block is named once and that each name is run by a test (a
block("NAME") or script("NAME" in tests/integration/), or is in SUITE."""

import re

from krjenv import REPO

README = REPO / "README.md"

# Blocks that no single test runs because the suite itself is what they
# do: the README says what they print, and run-tests.sh prints it.
SUITE = {
    "two-commands": "`make demo` is test_tls_conf.py's demo tests "
                    "(scripts/demo.sh, every command it prints run as "
                    "printed); `make test` is scripts/run-tests.sh, "
                    "the suite itself",
}

_FENCE = re.compile(r"^( *)```(\w*)\n", re.M)
_MARKER = re.compile(r"^ *<!-- run: ([a-z0-9-]+) -->\n\Z")


def fences(text=None):
    """Every fenced block: (language, name or None, text, line), the text
    without the block's indentation."""
    if text is None:
        text = README.read_text()
    out = []
    pos = 0
    while True:
        m = _FENCE.search(text, pos)
        if not m:
            return out
        indent, lang = m.group(1), m.group(2)
        end = text.find("\n" + indent + "```\n", m.end() - 1)
        assert end >= 0, "README: an unclosed ``` at line %d" % (
            text.count("\n", 0, m.start()) + 1)
        body = text[m.end():end + 1]
        lines = body.splitlines(True)
        body = "".join(ln[len(indent):] if ln.startswith(indent) else ln
                       for ln in lines)
        before = text.rfind("\n", 0, m.start() - 1) + 1
        marker = _MARKER.match(text[before:m.start()])
        out.append((lang, marker.group(1) if marker else None, body,
                    text.count("\n", 0, m.start()) + 1))
        pos = end + len(indent) + 5


def blocks():
    """The command blocks in README order: [(name, text)]."""
    return [(name, body) for lang, name, body, _ in fences()
            if lang == "sh"]


def block(name):
    """The text of the command block NAME, as the README shows it."""
    found = [body for n, body in blocks() if n == name]
    assert len(found) == 1, "README has %d blocks named %r" % (
        len(found), name)
    return found[0]


def script(name, *rules):
    """block(name) with each (old, new) applied; every old must occur in
    the block, so that the test and the README cannot part."""
    text = block(name)
    for old, new in rules:
        assert old in text, "README block %r no longer contains %r" % (
            name, old)
        text = text.replace(old, new)
    return text
