"""The README's synopsis is the real conf/ file, and every directive the
module defines is documented with Syntax / Default / Context."""

import re

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
