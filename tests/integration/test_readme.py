"""The README's synopsis is the real conf/ file, every directive the
module defines is documented with Syntax / Default / Context, and every
command block is named and run by a test (krjreadme.py)."""

import re

import pytest

import krjreadme
from krjenv import REPO

README = (REPO / "README.md").read_text()


def test_synopsis_is_the_real_locations_file():
    marker = "<!-- synopsis: conf/snippets/krj-locations.conf -->\n```nginx\n"
    assert marker in README, "README names the file its synopsis shows"
    block = README.split(marker, 1)[1].split("```\n", 1)[0]
    real = (REPO / "conf" / "snippets" / "krj-locations.conf").read_text()
    assert block == real, \
        "README synopsis equals conf/snippets/krj-locations.conf"


def test_every_directive_documented():
    src = "".join(p.read_text()
                  for p in (REPO / "ngx_krj_module").glob("ngx_http_krj*.c"))
    tables = re.findall(r"ngx_command_t\s+\w+\[\] = \{(.*?)ngx_null_command",
                        src, re.S)
    names = sorted(set(re.findall(r'ngx_string\("(krj_[a-z_]+)"\)',
                                  "".join(tables))))
    assert names, "the module's command table was found"
    for name in names:
        m = re.search(r"### %s\n\n    Syntax:  %s[ ;].*\n    Default: .*\n"
                      r"    Context: .*\n" % (name, name), README)
        assert m, "%s is documented as Syntax / Default / Context" % name


def _layout_entries():
    """The files the README's "Source layout" names, a `.[ch]` entry
    standing for both files of the pair, with how often each is named."""
    section = README.split("\n## Source layout\n", 1)
    assert len(section) == 2, "README has a Source layout section"
    body = section[1].split("\n## ", 1)[0]
    where = None
    named = {}
    for line in body.splitlines():
        m = re.match(r"`(ngx_krj_module|batch-plugin)/`", line)
        if m:
            where = m.group(1)
            continue
        m = re.match(r"- `([^`]+)`: \S", line)
        if not m:
            continue
        assert where, "an entry comes after its directory's heading"
        entry = m.group(1)
        paths = ([entry[:-5] + ".c", entry[:-5] + ".h"]
                 if entry.endswith(".[ch]") else [entry])
        for p in paths:
            key = "%s/%s" % (where, p)
            named[key] = named.get(key, 0) + 1
    return named


def test_layout_lists_every_file_once():
    named = _layout_entries()
    real = set()
    for d in ("ngx_krj_module", "batch-plugin"):
        for p in (REPO / d).rglob("*"):
            if p.is_file():
                real.add(str(p.relative_to(REPO)))
    missing = sorted(real - set(named))
    extra = sorted(set(named) - real)
    twice = sorted(k for k, n in named.items() if n > 1)
    assert not missing, "files the layout does not list: %s" % missing
    assert not extra, "the layout lists files that do not exist: %s" % extra
    assert not twice, "files the layout lists twice: %s" % twice


def test_layout_entries_are_one_line_each():
    section = README.split("\n## Source layout\n", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        if line.startswith("- `"):
            assert len(line) <= 200, "a layout entry is one short line: %s" % (
                line[:60])


def _anchor(heading):
    """GitHub's anchor of a heading: lower case, punctuation but hyphens
    and underscores dropped, spaces as hyphens."""
    a = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return a.replace(" ", "-")


def test_table_of_contents_lists_every_section():
    m = re.search(r"<!-- toc -->\n(.*?)<!-- /toc -->\n", README, re.S)
    assert m, "README has a table of contents between <!-- toc --> marks"
    body = README[m.end():]
    headings = re.findall(r"^## (.+)$", body, re.M)
    want = "".join("- [%s](#%s)\n" % (h, _anchor(h)) for h in headings)
    assert m.group(1) == want, "the table of contents is:\n" + want


def test_every_link_to_a_section_exists():
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for target in re.findall(r"\]\(#([\w-]+)\)", README):
        assert target in anchors, "README links to a missing #%s" % target


def test_every_image_exists():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images, "README shows the dashboard"
    for path in images:
        assert (REPO / path).is_file(), "README shows a missing %s" % path


def test_every_fence_says_what_it_holds():
    """A command to type is a ```sh block; everything else (output, file
    contents, formats) names its language, so that no command hides in a
    bare fence that no test would run."""
    bare = [line for lang, _, _, line in krjreadme.fences() if lang == ""]
    assert bare == [], "README: fences without a language at lines %s" % bare
    other = [(lang, line) for lang, _, _, line in krjreadme.fences()
             if lang in ("bash", "shell", "console", "shell-session")]
    assert other == [], "README: commands are ```sh blocks: %s" % other


def test_every_command_block_is_named_once():
    fences = [(name, line) for lang, name, _, line in krjreadme.fences()
              if lang == "sh"]
    assert len(fences) >= 20, fences
    unnamed = [line for name, line in fences if name is None]
    assert unnamed == [], \
        "README: a ```sh block without <!-- run: NAME --> at lines %s" % (
            unnamed)
    names = [name for name, _ in fences]
    twice = sorted({n for n in names if names.count(n) > 1})
    assert twice == [], "README: block names used twice: %s" % twice


def _run_by_tests():
    """The block names that tests run: block("NAME") or script("NAME"."""
    found = {}
    for p in sorted((REPO / "tests" / "integration").glob("*.py")):
        if p.name in ("krjreadme.py", "test_readme.py"):
            continue
        for name in re.findall(r'\b(?:block|script)\(\s*"([a-z0-9-]+)"',
                               p.read_text()):
            found.setdefault(name, []).append(p.name)
    return found


def test_every_command_block_is_run_by_a_test():
    names = {name for name, _ in krjreadme.blocks()}
    run = _run_by_tests()
    unrun = sorted(names - set(run) - set(krjreadme.SUITE))
    assert unrun == [], "README blocks no test runs: %s" % unrun
    missing = sorted(set(run) - names)
    assert missing == [], "tests run README blocks that do not exist: %s" % {
        n: run[n] for n in missing}
    suite = sorted(set(krjreadme.SUITE) - names)
    assert suite == [], "krjreadme.SUITE names missing blocks: %s" % suite
    both = sorted(set(krjreadme.SUITE) & set(run))
    assert both == [], "in SUITE and run by a test: %s" % both


def test_script_rules_must_match():
    name, text = krjreadme.blocks()[0]
    first = text.split()[0]
    assert krjreadme.script(name, (first, "X")).startswith("X")
    with pytest.raises(AssertionError, match="no longer contains"):
        krjreadme.script(name, ("a command the README does not show", "x"))
    with pytest.raises(AssertionError, match="0 blocks named"):
        krjreadme.block("no-such-block")
