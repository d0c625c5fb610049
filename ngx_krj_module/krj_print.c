
/*
 * Copyright (C) The krj developers
 */


/*
 * The print view: the groups asked for, each a section with its own
 * summary and the group's name repeated in the table head, for the
 * original's print layout (krj.css @media print).  Rows are the fragments
 * of the category pages; ls=1 takes the Long rows, then the Short ones,
 * from the index's classes, so that it visits only the rows it prints.
 */


#include <string.h>

#include "krj_html.h"
#include "krj_markup.h"
#include "krj_page.h"
#include "krj_print.h"


/* columns past this index cannot be hidden (krj.css), as on a page */
#define KRJ_PRINT_MAX_CLASS  99


static int krj_print_groups(krj_print_t *p, const krj_snap_t *snap,
    krj_str_t *value, krj_visible_pt visible, void *vdata, uint8_t *chosen);
static int krj_print_fields(krj_print_t *p, krj_str_t *value,
    krj_alloc_pt alloc, void *data);
static int krj_print_error(krj_print_t *p, int code, const char *fmt,
    const char *s, size_t len);
static void krj_print_group(krj_out_t *o, const krj_page_t *pg,
    const krj_print_t *p, const krj_snap_category_t *cat);
static void krj_print_signal(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, unsigned signal);
static int krj_print_visible(const krj_snap_t *snap, const krj_print_t *p,
    const krj_snap_category_t *cat, uint32_t col);
static void krj_print_delta(char *buf, size_t *len, int64_t d);


int
krj_print_parse(krj_print_t *p, const krj_snap_t *snap, const char *args,
    size_t len, krj_visible_pt visible, void *vdata, krj_alloc_pt alloc,
    void *data)
{
    int                         rc, given_ls, given_groups;
    char                       *buf;
    uint8_t                    *chosen;
    uint32_t                    i, n;
    krj_str_t                   name, value;
    const char                 *pos, *end;
    const uint32_t             *tabs;
    const krj_snap_category_t  *cat;

    memset(p, 0, sizeof(krj_print_t));

    n = snap->hdr->ncategories;

    buf = alloc(data, 2 * len + 2);
    chosen = alloc(data, n ? n : 1);
    p->groups = alloc(data, (size_t) (n ? n : 1) * sizeof(uint32_t));

    if (buf == NULL || chosen == NULL || p->groups == NULL) {
        p->error = KRJ_QUERY_NOMEM;
        return p->error;
    }

    memset(chosen, 0, n ? n : 1);

    given_ls = 0;
    given_groups = 0;
    pos = args;
    end = args + len;

    for ( ;; ) {
        rc = krj_form_next(&pos, end, buf, &name, &value, p->err,
                           KRJ_FORM_TRIM);

        if (rc == 0) {
            break;
        }

        if (rc < 0) {
            p->error = KRJ_QUERY_BAD_PARAMETER;
            return p->error;
        }

        buf = (char *) value.data + value.len + 1;

        if (name.len == 6 && memcmp(name.data, "groups", 6) == 0) {
            if (value.len == 0) {
                continue;
            }

            given_groups = 1;

            if (krj_print_groups(p, snap, &value, visible, vdata, chosen)
                != KRJ_QUERY_OK)
            {
                return p->error;
            }

        } else if (name.len == 2 && memcmp(name.data, "ls", 2) == 0) {
            if (value.len == 0) {
                continue;
            }

            if (given_ls) {
                return krj_print_error(p, KRJ_QUERY_BAD_PARAMETER,
                                       "parameter \"%r\" given twice",
                                       "ls", 2);
            }

            given_ls = 1;

            if (value.len != 1 || (value.data[0] != '0'
                                   && value.data[0] != '1'))
            {
                return krj_print_error(p, KRJ_QUERY_BAD_PARAMETER,
                                       "\"ls\" must be 1 or 0, not "
                                       "\"%r\"", value.data, value.len);
            }

            p->ls = (value.data[0] == '1');

        } else if (name.len == 6 && memcmp(name.data, "fields", 6) == 0) {
            if (value.len == 0) {
                continue;
            }

            if (krj_print_fields(p, &value, alloc, data) != KRJ_QUERY_OK) {
                return p->error;
            }

        } else {
            return krj_print_error(p, KRJ_QUERY_UNKNOWN_PARAMETER,
                                   "unknown parameter \"%r\"", name.data,
                                   name.len);
        }
    }

    /* the groups in tab order, every readable one by default */

    tabs = krj_snap_tabs(snap);

    for (i = 0; i < n; i++) {
        cat = &snap->categories[tabs[i]];

        if (given_groups ? chosen[tabs[i]]
            : (visible == NULL
               || visible(vdata, krj_snap_ptr(snap, cat->slug),
                          cat->slug.len)))
        {
            p->groups[p->ngroups++] = tabs[i];
        }
    }

    return KRJ_QUERY_OK;
}


void
krj_page_print(krj_out_t *o, const krj_page_t *pg, const krj_print_t *p)
{
    uint32_t                    i;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *date, *back;

    krj_page_use(o, pg);

    snap = pg->snap;

    /* a print of no group (groups=,) is of the readable ones' date */
    if (p->ngroups) {
        date = krj_page_common(pg, p->groups, p->ngroups);
        back = &snap->categories[p->groups[0]];

    } else {
        date = krj_page_common(pg, NULL, 0);
        back = NULL;

        for (i = 0; back == NULL && i < snap->hdr->ncategories; i++) {
            back = &snap->categories[krj_snap_tabs(snap)[i]];

            if (!krj_page_readable(pg, back)) {
                back = NULL;
            }
        }
    }

    krj_page_head(o, pg, KRJ_HTML_PRINT_TITLE,
                  sizeof(KRJ_HTML_PRINT_TITLE) - 1, "pv");

    krj_out_fmt(o, KRJ_HTML_PRINT_HEADER,
                date ? krj_snap_ptr(snap, date->pretty_date) : "",
                (size_t) (date ? date->pretty_date.len : 0),
                back ? krj_snap_ptr(snap, back->slug) : "",
                (size_t) (back ? back->slug.len : 0));

    for (i = 0; i < p->ngroups; i++) {
        krj_print_group(o, pg, p, &snap->categories[p->groups[i]]);
    }

    krj_out_str(o, KRJ_HTML_END);
}


static int
krj_print_groups(krj_print_t *p, const krj_snap_t *snap, krj_str_t *value,
    krj_visible_pt visible, void *vdata, uint8_t *chosen)
{
    size_t                      k, start, last, comma;
    const char                 *s;
    const krj_snap_category_t  *cat;

    s = value->data;

    for (k = 0; k <= value->len; k = comma + 1) {
        comma = k;

        while (comma < value->len && s[comma] != ',') {
            comma++;
        }

        start = k;
        last = comma;

        while (start < last && krj_form_space(s[start])) {
            start++;
        }

        while (last > start && krj_form_space(s[last - 1])) {
            last--;
        }

        if (start == last) {
            continue;
        }

        cat = krj_snap_find_category(snap, s + start, last - start);

        /* another principal's category is as unknown as none */
        if (cat == NULL
            || (visible != NULL
                && !visible(vdata, krj_snap_ptr(snap, cat->slug),
                            cat->slug.len)))
        {
            return krj_print_error(p, KRJ_QUERY_BAD_PARAMETER,
                                   "\"groups\": no category \"%r\"",
                                   s + start, last - start);
        }

        chosen[cat - snap->categories] = 1;
    }

    return KRJ_QUERY_OK;
}


/* the names, kept as they are: each group shows the ones it has */

static int
krj_print_fields(krj_print_t *p, krj_str_t *value, krj_alloc_pt alloc,
    void *data)
{
    size_t       k, start, last, comma, count;
    krj_str_t   *f;
    const char  *s;

    s = value->data;
    count = 1;

    for (k = 0; k < value->len; k++) {
        count += (s[k] == ',');
    }

    f = alloc(data, (p->nfields + count) * sizeof(krj_str_t));
    if (f == NULL) {
        p->error = KRJ_QUERY_NOMEM;
        return p->error;
    }

    if (p->nfields) {
        memcpy(f, p->fields, p->nfields * sizeof(krj_str_t));
    }

    p->fields = f;

    for (k = 0; k <= value->len; k = comma + 1) {
        comma = k;

        while (comma < value->len && s[comma] != ',') {
            comma++;
        }

        start = k;
        last = comma;

        while (start < last && krj_form_space(s[start])) {
            start++;
        }

        while (last > start && krj_form_space(s[last - 1])) {
            last--;
        }

        if (start < last) {
            p->fields[p->nfields].data = s + start;
            p->fields[p->nfields].len = last - start;
            p->nfields++;
        }
    }

    return KRJ_QUERY_OK;
}


static int
krj_print_error(krj_print_t *p, int code, const char *fmt, const char *s,
    size_t len)
{
    char       *c;
    krj_out_t   o;

    p->error = code;

    /*
     * krj_out, as the API's messages: no libc formatting for a request;
     * the formats of this file and 64 bytes fit, and the text ends at a
     * NUL, as it did
     */

    len = len > 64 ? 64 : len;
    c = memchr(s, '\0', len);
    len = c ? (size_t) (c - s) : len;

    krj_out_init(&o, p->err);
    krj_out_fmt(&o, fmt, s, len);
    p->err[o.len] = '\0';

    /* the message quotes the client: keep it printable ASCII */

    for (c = p->err; *c; c++) {
        if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e) {
            *c = '?';
        }
    }

    return code;
}


static void
krj_print_group(krj_out_t *o, const krj_page_t *pg, const krj_print_t *p,
    const krj_snap_category_t *cat)
{
    int                       ls;
    char                      d[3][24];
    size_t                    dlen[3];
    uint32_t                  i, j, tot;
    const uint32_t           *t, *pr;
    const krj_snap_t         *snap;
    const krj_snap_row_t     *rows;
    const krj_snap_column_t  *cols;

    snap = pg->snap;
    cols = krj_snap_columns(snap, cat);
    rows = krj_snap_rows(snap, cat);
    ls = p->ls && cat->signal_col >= 0;

    krj_out_fmt(o, KRJ_HTML_GROUP, krj_snap_ptr(snap, cat->slug),
                (size_t) cat->slug.len, krj_snap_ptr(snap, cat->slug),
                (size_t) cat->slug.len);
    krj_out_fmt(o, KRJ_HTML_GROUP_TITLE, krj_snap_ptr(snap, cat->html_label),
                (size_t) cat->html_label.len,
                krj_snap_ptr(snap, cat->pretty_date),
                (size_t) cat->pretty_date.len, ls ? KRJ_HTML_GROUP_LS : "");
    krj_out_str(o, KRJ_HTML_GROUP_H2_END);

    if (cat->signal_col >= 0) {
        t = cat->counts[KRJ_WEEK_THIS];
        pr = cat->counts[KRJ_WEEK_PRIOR];
        tot = t[KRJ_COUNT_LONG] + t[KRJ_COUNT_NEUTRAL] + t[KRJ_COUNT_SHORT];

        for (i = 0; i < 3; i++) {
            krj_print_delta(d[i], &dlen[i], (int64_t) t[i] - pr[i]);
        }

        krj_out_fmt(o, KRJ_HTML_PSUM, (unsigned) t[KRJ_COUNT_LONG], d[0],
                    dlen[0], (unsigned) t[KRJ_COUNT_NEUTRAL], d[1], dlen[1],
                    (unsigned) t[KRJ_COUNT_SHORT], d[2], dlen[2],
                    (unsigned) tot);
    }

    krj_out_fmt(o, KRJ_HTML_GROUP_TABLE, krj_snap_ptr(snap, cat->num_classes),
                (size_t) cat->num_classes.len);

    for (j = 1; j < cat->ncolumns && j <= KRJ_PRINT_MAX_CLASS; j++) {
        if (!krj_print_visible(snap, p, cat, j)) {
            krj_out_fmt(o, KRJ_HTML_HIDE, (unsigned) j);
        }
    }

    krj_out_fmt(o, KRJ_HTML_TABLE_ATTRS, (unsigned) cat->rank_width,
                (unsigned) cat->nrows);
    krj_out_fmt(o, KRJ_HTML_GROUP_HEAD, (unsigned) cat->ncolumns);
    krj_out_fmt(o, KRJ_HTML_GROUP_TITLE, krj_snap_ptr(snap, cat->html_label),
                (size_t) cat->html_label.len,
                krj_snap_ptr(snap, cat->pretty_date),
                (size_t) cat->pretty_date.len, ls ? KRJ_HTML_GROUP_LS : "");
    krj_out_str(o, KRJ_HTML_GROUP_HEAD_END);

    for (j = 0; j < cat->ncolumns; j++) {
        krj_out_fmt(o, KRJ_HTML_GROUP_TH,
                    krj_snap_ptr(snap, cols[j].html_name),
                    (size_t) cols[j].html_name.len,
                    cols[j].tooltip.len ? KRJ_HTML_TITLE_ATTR : "",
                    krj_snap_ptr(snap, cols[j].tooltip),
                    (size_t) cols[j].tooltip.len,
                    cols[j].tooltip.len ? KRJ_HTML_QUOTE : "",
                    krj_snap_ptr(snap, cols[j].label),
                    (size_t) cols[j].label.len);
    }

    krj_out_str(o, KRJ_HTML_THEAD_END);

    if (ls) {
        krj_print_signal(o, snap, cat, KRJ_SIGNAL_LONG);
        krj_print_signal(o, snap, cat, KRJ_SIGNAL_SHORT);

    } else {
        for (i = 0; i < cat->nrows; i++) {
            krj_out_put(o, krj_snap_ptr(snap, rows[i].html),
                        rows[i].html.len);
        }
    }

    krj_out_str(o, KRJ_HTML_GROUP_END);
}


/*
 * The rows of one signal in file order: a merge of the row lists of the
 * classes with that signal (one per prior week's signal and change), each
 * ascending, so that the cost is the rows printed times the few lists.
 */

static void
krj_print_signal(krj_out_t *o, const krj_snap_t *snap,
    const krj_snap_category_t *cat, unsigned signal)
{
    uint32_t                 c, k, n, best, row, min;
    uint32_t                 pos[KRJ_SNAP_CLASSES], end[KRJ_SNAP_CLASSES];
    const uint8_t           *list;
    const krj_snap_row_t    *rows;
    const krj_snap_index_t  *ix;
    const krj_snap_class_t  *cl;

    ix = krj_snap_index(snap, cat);
    cl = (const krj_snap_class_t *) (snap->base + ix->classes.off);
    list = snap->base + ix->class_rows.off;
    rows = krj_snap_rows(snap, cat);

    n = 0;

    for (c = 0; c < KRJ_SNAP_CLASSES; c++) {
        if (krj_snap_class_signal(c) == signal && cl[c].count != 0) {
            pos[n] = cl[c].first;
            end[n] = cl[c].first + cl[c].count;
            n++;
        }
    }

    for ( ;; ) {
        best = n;
        min = 0;

        for (k = 0; k < n; k++) {
            if (pos[k] == end[k]) {
                continue;
            }

            row = krj_snap_entry(list, ix->width, pos[k]);

            if (best == n || row < min) {
                best = k;
                min = row;
            }
        }

        if (best == n) {
            return;
        }

        pos[best]++;
        krj_out_put(o, krj_snap_ptr(snap, rows[min].html), rows[min].html.len);
    }
}


static int
krj_print_visible(const krj_snap_t *snap, const krj_print_t *p,
    const krj_snap_category_t *cat, uint32_t col)
{
    uint32_t                  i;
    const krj_snap_column_t  *c;

    if (p->fields == NULL || col == (uint32_t) cat->ticker_col) {
        return 1;
    }

    c = krj_snap_columns(snap, cat) + col;

    for (i = 0; i < p->nfields; i++) {
        if (p->fields[i].len == c->name.len
            && memcmp(p->fields[i].data, krj_snap_ptr(snap, c->name),
                      c->name.len)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* "+3", "-5", "0": the print summary's deltas, without markup */

static void
krj_print_delta(char *buf, size_t *len, int64_t d)
{
    krj_out_t  o;

    krj_out_init(&o, buf);

    if (d > 0) {
        krj_out_byte(&o, '+');
    }

    krj_out_int(&o, d);
    *len = o.len;
}
