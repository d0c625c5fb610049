
/*
 * Copyright (C) The krj developers
 */


/*
 * The rows of a category's dashboard: each row's fragment with its ranks
 * and cells formatted and escaped, and the notes under the table.
 */


#include <stdlib.h>
#include <string.h>

#include "krj_cells.h"
#include "krj_columns.h"
#include "krj_dash_rows.h"
#include "krj_format.h"
#include "krj_html.h"
#include "krj_markup.h"
#include "krj_page.h"


/* a ticker as the warnings compare it, upper-cased */
typedef struct {
    uint32_t                    row;
    const char                 *raw;
    size_t                      len;
    size_t                      off;        /* in the upper-cased copy */
} krj_dash_key_t;


static int krj_dash_cmp_upper(const void *a, const void *b);


/*
 * ranks[c * nrows + r]: the dense rank of row r in column c in the API's
 * ascending order (numbers by value, then texts by bytes), from 0; an
 * empty cell is UINT32_MAX.  JS sorts by them as the server does.  The
 * order is the index's: a new rank where a run of equal cells starts.
 */

uint32_t *
krj_dash_ranks(const krj_snap_sorted_t *s)
{
    size_t           n, base;
    uint32_t         c, i, r, rank, *ranks;

    n = s->nrows;

    ranks = malloc((n * s->ncolumns + 1) * sizeof(uint32_t));
    if (ranks == NULL) {
        return NULL;
    }

    for (c = 0; c < s->ncolumns; c++) {
        base = (size_t) c * n;
        rank = 0;

        for (i = 0; i < n; i++) {
            r = s->order[base + i];

            if (i >= s->nonempty[c]) {
                ranks[base + r] = UINT32_MAX;
                continue;
            }

            if (i != 0 && s->start[base + r] == i) {
                rank++;
            }

            ranks[base + r] = rank;
        }
    }

    return ranks;
}


/*
 * The notes under the table, row by row: a ticker seen before (compared
 * upper-cased, as the ticker index does), then a signal value that is not
 * Long, Neutral or Short.
 */

int
krj_dash_warnings(krj_buf_t *out, const krj_snap_input_t *in,
    krj_snap_category_t *cat, const krj_snap_row_t *rows)
{
    int                rc;
    size_t             start, k;
    int32_t            col[2];
    uint32_t           r, g, i, *first;
    krj_buf_t          note, upper;
    const char        *s;
    const krj_csv_t   *t;
    krj_dash_key_t    *keys;

    t = in->csv;
    rc = -1;

    krj_buf_init(&note);
    krj_buf_init(&upper);

    first = malloc(((size_t) t->nrows + 1) * sizeof(uint32_t));
    keys = malloc(((size_t) t->nrows + 1) * sizeof(krj_dash_key_t));

    if (first == NULL || keys == NULL) {
        goto cleanup;
    }

    for (r = 0; r < t->nrows; r++) {
        s = krj_csv_text(t, r + 1, t->ticker_col);

        keys[r].row = r;
        keys[r].off = upper.len;
        keys[r].len = krj_csv_len(t, r + 1, t->ticker_col);

        for (k = 0; k < keys[r].len; k++) {
            krj_buf_byte(&upper, (s[k] >= 'a' && s[k] <= 'z')
                                 ? (uint8_t) (s[k] - 32) : (uint8_t) s[k]);
        }
    }

    if (upper.failed) {
        goto cleanup;
    }

    for (r = 0; r < t->nrows; r++) {
        keys[r].raw = (const char *) upper.data + keys[r].off;
    }

    /* each row's first occurrence: the smallest row of its group */
    qsort(keys, t->nrows, sizeof(krj_dash_key_t), krj_dash_cmp_upper);

    for (r = 0, g = 0; r < t->nrows; r++) {
        if (r && krj_dash_cmp_upper(&keys[g], &keys[r]) / 2 != 0) {
            g = r;
        }

        first[keys[r].row] = keys[g].row;
    }

    col[0] = t->signal_col;
    col[1] = t->prior_col;

    start = out->len;

    for (r = 0; r < t->nrows; r++) {
        for (i = 0; i < 3; i++) {
            note.len = 0;

            if (i == 0 && first[r] != r) {
                krj_buf_fmt(&note, KRJ_HTML_NOTE_DUPLICATE,
                            krj_csv_text(t, r + 1, t->ticker_col),
                            krj_csv_len(t, r + 1, t->ticker_col),
                            (unsigned) rows[first[r]].line,
                            (unsigned) rows[r].line);

            } else if (i > 0 && col[i - 1] >= 0
                       && (i == 1 ? rows[r].signal : rows[r].prior)
                          == KRJ_SIGNAL_OTHER)
            {
                krj_buf_fmt(&note, KRJ_HTML_NOTE_SIGNAL,
                            (unsigned) rows[r].line,
                            krj_csv_text(t, 0, col[i - 1]),
                            krj_csv_len(t, 0, col[i - 1]),
                            krj_csv_text(t, r + 1, col[i - 1]),
                            krj_csv_len(t, r + 1, col[i - 1]));

            } else {
                continue;
            }

            if (out->len == start) {
                krj_buf_str(out, KRJ_HTML_NOTES);
            }

            krj_buf_fmt(out, KRJ_HTML_NOTE, (const char *) note.data,
                        note.len);
        }
    }

    if (out->len != start) {
        krj_buf_str(out, KRJ_HTML_NOTES_END);
    }

    cat->warnings = krj_snap_since(out, start);

    rc = (note.failed || out->failed) ? -1 : 0;

cleanup:

    krj_buf_free(&note);
    krj_buf_free(&upper);
    free(first);
    free(keys);

    return rc;
}



/* one row: <tr data-r="ranks" class="ch"><th>...</th><td>...</td></tr> */

void
krj_dash_row(krj_buf_t *out, const krj_snap_input_t *in,
    const krj_snap_category_t *cat, const krj_snap_column_t *cols,
    const krj_snap_cell_t *cells, const uint32_t *ranks, uint32_t r,
    int known)
{
    char                    buf[KRJ_FORMAT_LEN];
    size_t                  len, cut;
    uint32_t                c, rank, empty, k;
    krj_str_t               text;
    const char             *raw, *tag, *cls;
    krj_out_t               o;
    const krj_csv_t        *t;
    const krj_snap_cell_t  *cell;
    const krj_column_t     *col;

    t = in->csv;

    empty = 1;

    for (k = 0; k < cat->rank_width; k++) {
        empty *= 36;
    }

    empty--;

    krj_buf_str(out, KRJ_HTML_ROW);

    /* measure-then-write of krj_out, into the buffer grown for it */
    for (c = 0; c <= t->ncolumns; c++) {
        rank = (c == 0) ? r : ranks[(size_t) (c - 1) * t->nrows + r];

        if (krj_buf_grow(out, KRJ_SNAP_RANK_WIDTH) != 0) {
            return;
        }

        krj_out_init(&o, out->data + out->len);
        krj_out_base36(&o, rank == UINT32_MAX ? empty : rank,
                       cat->rank_width);
        out->len += o.len;
    }

    krj_buf_fmt(out, KRJ_HTML_ROW_RANKS_END,
                (t->signal_col >= 0 && t->prior_col >= 0
                 && !krj_strcaseeq(krj_csv_text(t, r + 1, t->signal_col),
                                   krj_csv_len(t, r + 1, t->signal_col),
                                   krj_csv_text(t, r + 1, t->prior_col),
                                   krj_csv_len(t, r + 1, t->prior_col)))
                ? KRJ_HTML_ROW_CHANGED : "");

    for (c = 0; c < t->ncolumns; c++) {
        raw = krj_csv_text(t, r + 1, c);
        len = krj_csv_len(t, r + 1, c);
        cell = &cells[(size_t) r * t->ncolumns + c];
        col = known ? krj_column_find(krj_csv_text(t, 0, c),
                                      krj_csv_len(t, 0, c))
                    : NULL;
        tag = ((int) c == t->ticker_col) ? "th" : "td";

        text = krj_format_cell(buf, col ? col->format : KRJ_COLUMN_TEXT,
                               col != NULL && (int) c == t->ticker_col, raw,
                               len, cell->type == KRJ_SNAP_NUMBER, cell->num);

        cls = "";

        if ((int) c == t->signal_col || (int) c == t->prior_col) {
            if (len == 4 && memcmp(raw, "Long", 4) == 0) {
                cls = KRJ_HTML_CELL_LONG;

            } else if (len == 5 && memcmp(raw, "Short", 5) == 0) {
                cls = KRJ_HTML_CELL_SHORT;
            }
        }

        if ((int) c == t->ticker_col
            && (text.len != len || memcmp(text.data, raw, len) != 0))
        {
            /* a ticker shown without its c: has the raw one as its title */
            krj_buf_fmt(out, "<%s title=\"%h\">%h</%s>", tag, raw, len,
                        text.data, text.len, tag);

        } else if (!known && !cols[c].right
                   && krj_html_chars(raw, len) > KRJ_PAGE_TEXT_MAX)
        {
            cut = krj_html_prefix(raw, len, KRJ_PAGE_TEXT_MAX - 1);
            krj_buf_fmt(out, "<%s%s title=\"%h\">%h" KRJ_HTML_ELLIPSIS "</%s>",
                        tag, cls, raw, len, raw, cut, tag);

        } else {
            krj_buf_fmt(out, "<%s%s>%h</%s>", tag, cls, text.data, text.len,
                        tag);
        }
    }

    krj_buf_str(out, KRJ_HTML_ROW_END);
}



/* upper-cased tickers: +-2 when they differ, +-1 by row */

static int
krj_dash_cmp_upper(const void *a, const void *b)
{
    int                    rc;
    const krj_dash_key_t  *x, *y;

    x = a;
    y = b;

    rc = memcmp(x->raw, y->raw, x->len < y->len ? x->len : y->len);

    if (rc != 0 || x->len != y->len) {
        return (rc < 0 || (rc == 0 && x->len < y->len)) ? -2 : 2;
    }

    return (x->row > y->row) - (x->row < y->row);
}

