"""krjdom: a small DOM of an HTML page (stdlib html.parser), for the
dashboard's DOM checks without a browser.

    doc = parse(html)
    doc.find("table", cls="t")      first element (tag, class, attribute)
    doc.find_all("tr")              every element, document order
    node.attrs, node.tag, node.children, node.text()   (entities decoded)
    node.classes                    set of class names
"""

import html.parser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag = tag
        self.attrs = dict(attrs)
        self.attr_list = list(attrs)
        self.parent = parent
        self.children = []

    @property
    def classes(self):
        return set((self.attrs.get("class") or "").split())

    def text(self):
        return "".join(c if isinstance(c, str) else c.text()
                       for c in self.children)

    def elements(self):
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v
                   for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, **attrs):
        r = self.find_all(tag, cls, **attrs)
        return r[0] if r else None

    def __repr__(self):
        return "<%s %r>" % (self.tag, self.attrs)


class _Parser(html.parser.HTMLParser):
    def __init__(self):
        html.parser.HTMLParser.__init__(self, convert_charrefs=True)
        self.root = Node("#document", [])
        self.cur = self.root
        self.errors = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is None:
            self.errors.append("stray </%s>" % tag)
            return
        if n is not self.cur:
            self.errors.append("unclosed <%s> before </%s>"
                               % (self.cur.tag, tag))
        self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(text):
    """The document; .errors lists badly nested tags (there must be none)."""
    p = _Parser()
    p.feed(text)
    p.close()
    p.root.errors = p.errors
    if p.cur is not p.root:
        p.root.errors.append("unclosed <%s> at the end" % p.cur.tag)
    return p.root


def table_cells(table):
    """[[cell text]] of a table's tbody rows."""
    body = table.find("tbody")
    return [[c.text() for c in tr.elements() if c.tag in ("td", "th")]
            for tr in body.find_all("tr")]
