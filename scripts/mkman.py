#!/usr/bin/python3
"""Makes the man pages krj-batch(1) and ngx_http_krj_module(8) from the
README, their one source: the sections each page takes are listed in
PAGES, and the README's Markdown (headings, paragraphs, lists, tables,
code blocks, inline code, emphasis, links) is turned into man(7) roff.

    mkman.py [--version V] [--date YYYY-MM-DD] README.md OUTDIR

The version defaults to the VERSION file beside the README, the date to
that of the newest entry of its debian/changelog.

Section 8 for the module: it is configured by the administrator in
nginx's configuration and documents directives, variables and the HTTP
interface of a system daemon, as nginx(8) does; there is no section for
a daemon's loadable modules.  Stdlib only (the package build runs it).
"""

import argparse
import email.utils
import re
import sys
from pathlib import Path

PAGES = [
    {
        "file": "krj-batch.1", "name": "krj-batch", "section": "1",
        "title": "krj-batch",
        "summary": "publish the KRJ trading signals for the krj nginx "
                   "module, manage its keys and users, back it up",
        "synopsis": ["krj-batch COMMAND [options]",
                     "krj-batch COMMAND --help", "krj-batch --version"],
        # the README's "## krj-batch" section, its "###" as sections
        "take": ["krj-batch"],
        "see": ["ngx_http_krj_module(8)", "nginx(8)", "pg_dump(1)",
                "pg_restore(1)", "systemd.timer(5)"],
    },
    {
        "file": "ngx_http_krj_module.8", "name": "ngx_http_krj_module",
        "section": "8", "title": "ngx_http_krj_module",
        "summary": "the KRJ trading signals API for nginx",
        # the README's own Synopsis section is the page's
        "synopsis": [],
        "take": ["Synopsis", "Directives", "Variables", "HTTP API",
                 "Authentication, scopes and limits", "Metrics"],
        "see": ["krj-batch(1)", "nginx(8)"],
    },
]


def escape(text):
    """Plain text for roff: backslashes, minus signs, a leading dot."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def inline(text):
    """Markdown inline markup to roff fonts, everything else escaped."""
    out = []
    pos = 0
    pattern = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)]+)\)"
                         r"|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")
    for m in pattern.finditer(text):
        out.append(escape_inline(text[pos:m.start()]))
        if m.group(1) is not None:
            code = escape_inline(m.group(1))
            if len(code) > 40:
                # a long span may break after a comma (\: a break point)
                code = code.replace(",", ",\\:")
            out.append("\\fB" + code + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + inline(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append(inline(m.group(3)))
            if m.group(4).startswith("http"):
                out.append(" <" + escape_inline(m.group(4)) + ">")
        else:
            out.append("\\fI" + inline(m.group(5)) + "\\fR")
        pos = m.end()
    out.append(escape_inline(text[pos:]))
    return "".join(out)


def escape_inline(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


def line(text):
    """One output line: no roff request may start it by accident."""
    if text[:1] in (".", "'"):
        return "\\&" + text
    return text


def sections(readme, names):
    """The README's "## NAME" sections, in the order asked; each as
    (level-2 title, body lines)."""
    found = {}
    current = None
    in_code = False
    for ln in readme.splitlines():
        if ln.startswith("```"):
            in_code = not in_code
        if not in_code and ln.startswith("## "):
            current = ln[3:].strip()
            found[current] = []
            continue
        if current is not None:
            found[current].append(ln)
    out = []
    for name in names:
        if name not in found:
            raise SystemExit("mkman: the README has no \"## %s\"" % name)
        out.append((name, found[name]))
    return out


def table_row(ln):
    return [c.strip() for c in ln.strip().strip("|").split("|")]


def render(lines, top):
    """Markdown lines to roff; top is the heading level of .SH."""
    out = []
    i = 0
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.extend(line(inline(p)) for p in para)
            para.clear()

    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(line(escape_inline(lines[i])))
                i += 1
            out += [".fi", ".RE"]
            i += 1
            continue
        if ln.startswith("<!--"):
            flush()
            while i < len(lines) and "-->" not in lines[i]:
                i += 1
            i += 1
            continue
        m = re.match(r"(#+) (.*)", ln)
        if m:
            flush()
            level = len(m.group(1))
            title = inline(m.group(2).strip())
            if level <= top:
                out.append(".SH \"%s\"" % title.upper().replace('"', "'"))
            else:
                out.append(".SS \"%s\"" % title.replace('"', "'"))
            i += 1
            continue
        if ln.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(table_row(lines[i]))
                i += 1
            # the header row and its |---| line
            for row in rows[2:]:
                out += [".TP", line(inline(row[0]))]
                out.append(line(inline(" \u2014 ".join(
                    c for c in row[1:] if c))))
            continue
        if ln.startswith("    ") and not para:
            # an indented code block, to the next line indented less
            out += [".PP", ".RS 4", ".nf"]
            while i < len(lines) and (lines[i].startswith("    ")
                                      or not lines[i].strip()):
                if not lines[i].strip() and (
                        i + 1 >= len(lines)
                        or not lines[i + 1].startswith("    ")):
                    break
                out.append(line(escape_inline(lines[i][4:])))
                i += 1
            out += [".fi", ".RE"]
            continue
        m = re.match(r"(\s*)([-*]|\d+\.) (.*)", ln)
        if m and not para:
            flush()
            indent = len(m.group(1))
            item = [m.group(3)]
            i += 1
            while i < len(lines) and lines[i].strip() and \
                    not re.match(r"\s*([-*]|\d+\.) ", lines[i]) and \
                    not lines[i].lstrip().startswith("```") and \
                    len(lines[i]) - len(lines[i].lstrip()) > indent:
                item.append(lines[i].strip())
                i += 1
            mark = "\\(bu" if m.group(2) in "-*" else m.group(2)
            out.append(".IP %s %d" % (mark, 4 + indent))
            out.extend(line(inline(p)) for p in item)
            continue
        if not ln.strip():
            flush()
            i += 1
            continue
        para.append(ln.strip())
        i += 1
    flush()
    return out


def page(spec, readme, version, date):
    out = [
        ".\\\" Generated by scripts/mkman.py from README.md: edit the "
        "README.",
        ".TH %s %s %s \"krj %s\" \"krj\"" % (
            spec["title"].upper().replace("-", "\\-"), spec["section"],
            date, version),
        # left-adjusted, no hyphenation: paths and options stay whole
        ".ad l",
        ".nh",
        ".SH NAME",
        "%s \\- %s" % (escape(spec["name"]), escape(spec["summary"])),
    ]
    if spec["synopsis"]:
        out.append(".SH SYNOPSIS")
    for s in spec["synopsis"]:
        out += [".PP", "\\fB" + escape_inline(s) + "\\fR"]
    for title, body in sections(readme, spec["take"]):
        if len(spec["take"]) > 1:
            # each README section is one man section, its ### subsections
            out.append(".SH \"%s\"" % inline(title).upper())
            out += render(body, 2)
        else:
            out += render(body, 3)
    out += [".SH \"SEE ALSO\"",
            ", ".join("\\fB%s\\fR%s" % (escape_inline(s.split("(")[0]),
                                        "(" + s.split("(")[1])
                      for s in spec["see"])]
    return to_ascii("\n".join(out) + "\n")


def to_ascii(text):
    """Every character beyond ASCII as groff's \\[uXXXX]: troff reads
    bytes, and only man-db runs preconv before it; the page renders the
    same through any formatter, without warnings."""
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c)
                   for c in text)


def changelog_date(path):
    """The date of the newest entry of debian/changelog, YYYY-MM-DD: the
    date of this version, for make install's pages as for the package's
    (whose build passes SOURCE_DATE_EPOCH's, the same)."""
    m = re.search(r"(?m)^ -- .*?>  (.+)$", path.read_text())
    if m is None:
        raise SystemExit("mkman: no date in %s" % path)
    return email.utils.parsedate_to_datetime(m.group(1)).strftime(
        "%Y-%m-%d")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default=None)
    ap.add_argument("--date", default=None)
    ap.add_argument("readme")
    ap.add_argument("outdir")
    a = ap.parse_args(argv)
    readme_path = Path(a.readme)
    readme = readme_path.read_text()
    version = a.version or (readme_path.parent / "VERSION").read_text() \
        .strip()
    date = a.date or changelog_date(readme_path.parent / "debian"
                                    / "changelog")
    outdir = Path(a.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for spec in PAGES:
        (outdir / spec["file"]).write_text(page(spec, readme, version,
                                                date))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
