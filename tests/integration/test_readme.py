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
