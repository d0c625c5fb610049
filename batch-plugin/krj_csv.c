
/*
 * Copyright (C) The krj developers
 */


/*
 * CSV validation: RFC 4180 through libcsv in strict mode, plus the rules of
 * a KRJ signals file.  Works on a buffer so it can be tested without files.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "krj_csv.h"
#include "krj_snapshot.h"


typedef struct {
    krj_csv_t          *t;
    uint32_t            line;           /* physical line being fed */
    uint32_t            start;          /* line the current record began */
    int                 in_record;      /* a record spans lines so far */
    int                 ended;          /* a record ended in this line */
    uint32_t            nfields;        /* fields in the current record */
    uint32_t            nrecords;
    int                 failed;
} krj_csv_ctx_t;


typedef struct {
    const char         *s;
    size_t              len;
    uint32_t            index;
} krj_csv_key_t;


static void krj_csv_field_cb(void *s, size_t len, void *data);
static void krj_csv_record_cb(int c, void *data);
static int krj_csv_check_header(krj_csv_t *t);
static int krj_csv_find_duplicate(krj_csv_key_t *keys, size_t n,
    uint32_t *first, uint32_t *second);
static uint8_t krj_csv_signal(const char *s, size_t len);
static void krj_csv_check_rows(krj_csv_t *t, krj_csv_warn_pt warn,
    void *ctx);
static int krj_csv_space(unsigned char c);
static int krj_csv_cmp_key(const void *a, const void *b);
static int krj_csv_fail(krj_csv_t *t, uint32_t line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;


int
krj_csv_parse(krj_csv_t *t, const uint8_t *data, size_t len,
    size_t max_size, krj_csv_warn_pt warn, void *ctx)
{
    int                 nul, rc;
    size_t              bad, pos, n, i;
    uint32_t            line;
    const uint8_t      *nl;
    krj_csv_ctx_t       c;
    struct csv_parser   p;

    memset(t, 0, sizeof(krj_csv_t));
    krj_buf_init(&t->fields_buf);
    krj_buf_init(&t->rows_buf);
    krj_buf_init(&t->arena_buf);

    if (len > max_size) {
        return krj_csv_fail(t, 0, "file is %zu bytes, over the limit of %zu",
                            len, max_size);
    }

    if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf) {
        data += 3;
        len -= 3;
    }

    t->data = data;
    t->len = len;

    if (len == 0) {
        return krj_csv_fail(t, 0, "empty file");
    }

    bad = krj_csv_check_utf8(data, len, &nul);

    if (bad) {
        line = 1;

        for (i = 0; i < bad - 1; i++) {
            line += (data[i] == '\n');
        }

        return krj_csv_fail(t, line, nul ? "NUL byte" : "invalid UTF-8");
    }

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        return krj_csv_fail(t, 0, "out of memory");
    }

    /* keep spaces: a field is exactly the bytes between the commas */
    csv_set_space_func(&p, krj_csv_space);

    memset(&c, 0, sizeof(krj_csv_ctx_t));
    c.t = t;
    c.line = 1;

    rc = -1;

    /* one physical line at a time, so a record knows its line number */
    for (pos = 0; pos < len; pos += n) {
        nl = memchr(data + pos, '\n', len - pos);
        n = nl ? (size_t) (nl - (data + pos)) + 1 : len - pos;

        if (!c.in_record) {
            c.start = c.line;
        }

        c.ended = 0;

        if (csv_parse(&p, data + pos, n, krj_csv_field_cb, krj_csv_record_cb,
                      &c)
            != n)
        {
            krj_csv_fail(t, c.line, "bad quoting: %s",
                         csv_strerror(csv_error(&p)));
            goto cleanup;
        }

        if (c.failed) {
            goto cleanup;
        }

        /*
         * Lines end records, so a record that did not end here and a line
         * that is not blank mean a record (a quoted field) goes on.
         */
        if (c.ended) {
            c.in_record = 0;

        } else if (n > (size_t) (data[pos + n - 1] == '\n')
                       + (n > 1 && data[pos + n - 2] == '\r'))
        {
            c.in_record = 1;
        }

        if (nl) {
            c.line++;
        }
    }

    /* a file ending in a newline is one line shorter than counted */
    if (data[len - 1] == '\n') {
        c.line--;
    }

    if (csv_fini(&p, krj_csv_field_cb, krj_csv_record_cb, &c) != 0) {
        krj_csv_fail(t, c.in_record ? c.start : c.line,
                     "unterminated quoted field at end of file: %s",
                     csv_strerror(csv_error(&p)));
        goto cleanup;
    }

    if (c.failed) {
        goto cleanup;
    }

    if (c.nrecords == 0) {
        krj_csv_fail(t, 0, "no header row");
        goto cleanup;
    }

    if (t->fields_buf.failed || t->rows_buf.failed || t->arena_buf.failed) {
        krj_csv_fail(t, 0, "out of memory");
        goto cleanup;
    }

    t->fields = (krj_csv_field_t *) t->fields_buf.data;
    t->rows = (krj_csv_row_t *) t->rows_buf.data;
    t->arena = (const char *) t->arena_buf.data;

    for (i = 0; i < t->nrows; i++) {
        if (krj_csv_len(t, i + 1, t->ticker_col) == 0) {
            krj_csv_fail(t, t->rows[i].line, "empty ticker");
            goto cleanup;
        }
    }

    krj_csv_check_rows(t, warn, ctx);

    rc = t->err[0] ? -1 : 0;

cleanup:

    csv_free(&p);

    return rc;
}


void
krj_csv_free(krj_csv_t *t)
{
    krj_buf_free(&t->fields_buf);
    krj_buf_free(&t->rows_buf);
    krj_buf_free(&t->arena_buf);
    t->fields = NULL;
    t->rows = NULL;
    t->arena = NULL;
}


size_t
krj_csv_check_utf8(const uint8_t *p, size_t len, int *nul)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    *nul = 0;

    for (i = 0; i < len; i += n) {
        if (p[i] < 0x80) {
            if (p[i] == 0) {
                *nul = 1;
                return i + 1;
            }

            n = 1;
            continue;
        }

        if ((p[i] & 0xe0) == 0xc0) {
            n = 2;
            cp = p[i] & 0x1f;
            min = 0x80;

        } else if ((p[i] & 0xf0) == 0xe0) {
            n = 3;
            cp = p[i] & 0x0f;
            min = 0x800;

        } else if ((p[i] & 0xf8) == 0xf0) {
            n = 4;
            cp = p[i] & 0x07;
            min = 0x10000;

        } else {
            return i + 1;
        }

        if (n > len - i) {
            return i + 1;
        }

        for (k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return i + 1;
            }

            cp = (cp << 6) | (p[i + k] & 0x3f);
        }

        /* overlong forms, UTF-16 surrogates, beyond Unicode */
        if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            return i + 1;
        }
    }

    return 0;
}


static void
krj_csv_field_cb(void *s, size_t len, void *data)
{
    krj_csv_ctx_t    *c;
    krj_csv_field_t   f;

    c = data;

    if (c->failed) {
        return;
    }

    f.off = c->t->arena_buf.len;
    f.len = len;

    krj_buf_append(&c->t->arena_buf, s, len);
    krj_buf_byte(&c->t->arena_buf, '\0');
    krj_buf_append(&c->t->fields_buf, &f, sizeof(krj_csv_field_t));

    c->nfields++;
}


static void
krj_csv_record_cb(int ch, void *data)
{
    uint32_t        line;
    krj_csv_t      *t;
    krj_csv_ctx_t  *c;
    krj_csv_row_t   row;

    (void) ch;

    c = data;
    t = c->t;

    if (c->failed) {
        return;
    }

    line = c->start;
    c->ended = 1;

    if (c->nrecords == 0) {
        t->ncolumns = c->nfields;
        t->fields = (krj_csv_field_t *) t->fields_buf.data;
        t->arena = (const char *) t->arena_buf.data;

        if (t->fields_buf.failed || t->arena_buf.failed
            || krj_csv_check_header(t) != 0)
        {
            if (t->err[0] == '\0') {
                krj_csv_fail(t, 0, "out of memory");
            }

            t->err_line = line;
            c->failed = 1;
            return;
        }

    } else if (c->nfields != t->ncolumns) {
        krj_csv_fail(t, line, "row has %u fields, header has %u",
                     c->nfields, t->ncolumns);
        c->failed = 1;
        return;

    } else {
        row.line = line;
        row.signal = KRJ_SIGNAL_NONE;
        row.prior = KRJ_SIGNAL_NONE;
        krj_buf_append(&t->rows_buf, &row, sizeof(krj_csv_row_t));
        t->nrows++;
    }

    c->nrecords++;
    c->nfields = 0;
}


static int
krj_csv_check_header(krj_csv_t *t)
{
    int             rc;
    uint32_t        i, a, b;
    const char     *name;
    krj_csv_key_t  *keys;

    t->ticker_col = -1;
    t->signal_col = -1;
    t->prior_col = -1;

    for (i = 0; i < t->ncolumns; i++) {
        name = krj_csv_text(t, 0, i);

        if (krj_csv_len(t, 0, i) == 0) {
            return krj_csv_fail(t, 1, "header column %u has no name", i + 1);
        }

        /*
         * A second BOM (or a quoted one) would start the first name: the
         * published file and the .csv answers would then start with a BOM
         * that every reader drops, and the column would change its name.
         */
        if (i == 0 && krj_csv_len(t, 0, 0) >= 3
            && memcmp(name, "\xef\xbb\xbf", 3) == 0)
        {
            return krj_csv_fail(t, 1, "header column 1 starts with U+FEFF, "
                                "a byte order mark");
        }

        if (strcmp(name, "ticker") == 0) {
            t->ticker_col = (int) i;

        } else if (strcmp(name, "signal") == 0) {
            t->signal_col = (int) i;

        } else if (strcmp(name, "signal_status_prior_week") == 0) {
            t->prior_col = (int) i;
        }
    }

    keys = malloc(t->ncolumns * sizeof(krj_csv_key_t));
    if (keys == NULL) {
        return krj_csv_fail(t, 1, "out of memory");
    }

    for (i = 0; i < t->ncolumns; i++) {
        keys[i].s = krj_csv_text(t, 0, i);
        keys[i].len = krj_csv_len(t, 0, i);
        keys[i].index = i;
    }

    rc = 0;

    if (krj_csv_find_duplicate(keys, t->ncolumns, &a, &b)) {
        rc = krj_csv_fail(t, 1, "duplicate header name \"%.64s\" "
                          "(columns %u and %u)", krj_csv_text(t, 0, a),
                          a + 1, b + 1);

    } else if (t->ticker_col < 0) {
        rc = krj_csv_fail(t, 1, "no \"ticker\" column");
    }

    free(keys);

    return rc;
}


/* rows: signal values, and duplicate tickers (warnings, not errors) */
static void
krj_csv_check_rows(krj_csv_t *t, krj_csv_warn_pt warn, void *ctx)
{
    int             other;
    char            msg[KRJ_CSV_ERRLEN];
    size_t          off, len, k;
    uint32_t        r, a, b, g;
    const char     *s;
    krj_csv_key_t  *keys;
    krj_buf_t       upper;

    other = 0;

    for (r = 0; r < t->nrows; r++) {
        if (t->signal_col >= 0) {
            t->rows[r].signal = krj_csv_signal(
                krj_csv_text(t, r + 1, t->signal_col),
                krj_csv_len(t, r + 1, t->signal_col));
            other |= (t->rows[r].signal == KRJ_SIGNAL_OTHER);
        }

        if (t->prior_col >= 0) {
            t->rows[r].prior = krj_csv_signal(
                krj_csv_text(t, r + 1, t->prior_col),
                krj_csv_len(t, r + 1, t->prior_col));
            other |= (t->rows[r].prior == KRJ_SIGNAL_OTHER);
        }

        if (other == 1 && warn) {
            warn(ctx, t->rows[r].line, "signal value other than Long, "
                 "Neutral or Short (first one in this file)");
            other = 2;
        }
    }

    if (warn == NULL || t->nrows == 0) {
        return;
    }

    /* duplicates compare upper-cased, as the ticker index does */
    krj_buf_init(&upper);
    keys = NULL;

    for (r = 0; r < t->nrows; r++) {
        s = krj_csv_text(t, r + 1, t->ticker_col);
        len = krj_csv_len(t, r + 1, t->ticker_col);

        for (k = 0; k < len; k++) {
            krj_buf_byte(&upper, (s[k] >= 'a' && s[k] <= 'z')
                                 ? (uint8_t) (s[k] - 32) : (uint8_t) s[k]);
        }
    }

    keys = malloc(t->nrows * sizeof(krj_csv_key_t));

    if (keys == NULL || upper.failed) {
        warn(ctx, 0, "out of memory checking duplicate tickers");
        goto cleanup;
    }

    off = 0;

    for (r = 0; r < t->nrows; r++) {
        keys[r].s = (const char *) upper.data + off;
        keys[r].len = krj_csv_len(t, r + 1, t->ticker_col);
        keys[r].index = r;
        off += keys[r].len;
    }

    /* report every later occurrence against the first one */
    qsort(keys, t->nrows, sizeof(krj_csv_key_t), krj_csv_cmp_key);

    g = 0;

    for (r = 1; r < t->nrows; r++) {
        if (krj_csv_cmp_key(&keys[g], &keys[r]) / 2 != 0) {
            g = r;
            continue;
        }

        a = keys[g].index;
        b = keys[r].index;

        snprintf(msg, sizeof(msg), "duplicate ticker \"%.64s\" (lines %u "
                 "and %u)", krj_csv_text(t, b + 1, t->ticker_col),
                 t->rows[a].line, t->rows[b].line);
        warn(ctx, t->rows[b].line, msg);
    }

cleanup:

    free(keys);
    krj_buf_free(&upper);
}


/* sorts keys; returns 1 and the two smallest indexes of a duplicate */
static int
krj_csv_find_duplicate(krj_csv_key_t *keys, size_t n, uint32_t *first,
    uint32_t *second)
{
    size_t  i;

    qsort(keys, n, sizeof(krj_csv_key_t), krj_csv_cmp_key);

    for (i = 1; i < n; i++) {
        if (krj_csv_cmp_key(&keys[i - 1], &keys[i]) / 2 == 0) {
            *first = keys[i - 1].index;
            *second = keys[i].index;
            return 1;
        }
    }

    return 0;
}


static uint8_t
krj_csv_signal(const char *s, size_t len)
{
    if (len == 0) {
        return KRJ_SIGNAL_NONE;
    }

    if (strcmp(s, "Long") == 0) {
        return KRJ_SIGNAL_LONG;
    }

    if (strcmp(s, "Neutral") == 0) {
        return KRJ_SIGNAL_NEUTRAL;
    }

    if (strcmp(s, "Short") == 0) {
        return KRJ_SIGNAL_SHORT;
    }

    return KRJ_SIGNAL_OTHER;
}


static int
krj_csv_space(unsigned char c)
{
    (void) c;

    return 0;
}


/*
 * Orders by bytes, then by index; returns +-2 when the texts differ and
 * +-1 when only the indexes do, so "cmp / 2 == 0" means equal texts.
 */
static int
krj_csv_cmp_key(const void *a, const void *b)
{
    int                   rc;
    const krj_csv_key_t  *x, *y;

    x = a;
    y = b;

    rc = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

    if (rc == 0) {
        rc = (x->len > y->len) - (x->len < y->len);
    }

    if (rc != 0) {
        return rc < 0 ? -2 : 2;
    }

    return (x->index > y->index) - (x->index < y->index);
}


static int
krj_csv_fail(krj_csv_t *t, uint32_t line, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(t->err, sizeof(t->err), fmt, args);
    va_end(args);

    t->err_line = line;

    return -1;
}
