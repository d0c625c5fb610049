
/*
 * Copyright (C) The krj developers
 */


/*
 * CSV validation (krj_csv_parse) over any file, and for every file it
 * accepts the rest of krj-batch's pipeline: the snapshot writer, the
 * reader's validation of what it wrote, and the pre-rendered bodies.
 * Invariants: a refused file says why; an accepted table has well-formed
 * fields (valid UTF-8, no NUL, a ticker, unique header names); the
 * snapshot of an accepted table validates; its JSON bodies parse and
 * hold the table's values (numbers byte for byte, empty cells null, the
 * rest strings); its CSV records read back to the same table; its gzip,
 * br and zstd bodies decode to the plain ones; every ticker is in the
 * ticker index.
 */


#include <zlib.h>
#include <brotli/decode.h>
#include <zstd.h>

#include "krj_fuzz.h"
#include "krj_csv.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define KRJ_FUZZ_CSV_MAX   (1 << 20)

/* JSON numbers of any size: jansson refuses integers over 64 bits */
#define KRJ_FUZZ_JSON_DATA  (JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void krj_fuzz_warn(void *ctx, const char *event, uint32_t line,
    const char *msg);
static void krj_fuzz_refused(const krj_csv_t *t, const uint8_t *p,
    size_t size);
static void krj_fuzz_table(const krj_csv_t *t);
static void krj_fuzz_publish(const krj_csv_t *t);
static void krj_fuzz_body(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_csv_t *t);
static void krj_fuzz_cells(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_csv_t *t, uint32_t r,
    json_t *row);
static void krj_fuzz_records(const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_csv_t *t);
static void krj_fuzz_tickers(const krj_snap_t *snap, const krj_csv_t *t);
static void krj_fuzz_gunzip(const krj_snap_t *snap, krj_snap_ref_t gz,
    krj_snap_ref_t plain, const char *what);
static void krj_fuzz_encoded(const krj_snap_t *snap);
static int krj_fuzz_ref_is(const krj_snap_t *snap, krj_snap_ref_t ref,
    const char *p, size_t len);


/* KRJ_SIGNAL_LONG..SHORT, as the file spells them */
static const char  *krj_fuzz_signals[] = { "Long", "Neutral", "Short" };


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int        rc;
    uint8_t   *p;
    krj_csv_t  t;

    p = krj_fuzz_copy(data, size);

    rc = krj_csv_parse(&t, p, size, KRJ_FUZZ_CSV_MAX, krj_fuzz_warn, NULL);

    if (rc != 0) {
        krj_fuzz_assert(rc == -1, "returned %d", rc);
        krj_fuzz_refused(&t, p, size);

    } else {
        krj_fuzz_table(&t);
        krj_fuzz_publish(&t);
    }

    krj_csv_free(&t);
    free(p);

    return 0;
}


static void
krj_fuzz_warn(void *ctx, const char *event, uint32_t line, const char *msg)
{
    (void) ctx;

    krj_fuzz_assert(event != NULL && event[0] != '\0', "a warning without "
                    "its event name");
    krj_fuzz_assert(msg != NULL && msg[0] != '\0', "empty warning on line "
                    "%u", line);
}


/* a reason, and a line that is in the file (0: the file as a whole) */

static void
krj_fuzz_refused(const krj_csv_t *t, const uint8_t *p, size_t size)
{
    size_t  i, lines;

    krj_fuzz_assert(t->err[0] != '\0'
                    && memchr(t->err, '\0', KRJ_CSV_ERRLEN) != NULL,
                    "refused without a reason");

    lines = 1;

    for (i = 0; i < size; i++) {
        lines += (p[i] == '\n');
    }

    krj_fuzz_assert(t->err_line <= lines, "line %u of %zu: %s", t->err_line,
                    lines, t->err);
}


static void
krj_fuzz_table(const krj_csv_t *t)
{
    int          nul;
    size_t       len, off;
    uint32_t     rec, c, d;
    const char  *s;

    krj_fuzz_assert(t->ncolumns > 0, "no columns");
    krj_fuzz_assert(t->ticker_col >= 0
                    && (uint32_t) t->ticker_col < t->ncolumns,
                    "ticker column %d", t->ticker_col);
    krj_fuzz_assert(t->signal_col < 0
                    || strcmp(krj_csv_text(t, 0, t->signal_col), "signal")
                       == 0, "signal column %d", t->signal_col);
    krj_fuzz_assert(t->prior_col < 0
                    || strcmp(krj_csv_text(t, 0, t->prior_col),
                              "signal_status_prior_week") == 0,
                    "prior column %d", t->prior_col);

    for (rec = 0; rec <= t->nrows; rec++) {
        for (c = 0; c < t->ncolumns; c++) {
            off = t->fields[(size_t) rec * t->ncolumns + c].off;
            len = krj_csv_len(t, rec, c);
            s = krj_csv_text(t, rec, c);

            krj_fuzz_assert(off + len < t->arena_buf.len && s[len] == '\0',
                            "field %u,%u not NUL-terminated in the arena",
                            rec, c);
            krj_fuzz_assert(krj_fuzz_utf8_valid(s, len)
                            && krj_csv_check_utf8((const uint8_t *) s, len,
                                                  &nul) == 0,
                            "field %u,%u not valid UTF-8", rec, c);
        }

        if (rec > 0) {
            krj_fuzz_assert(krj_csv_len(t, rec, t->ticker_col) > 0,
                            "row %u: empty ticker", rec);
            /* a bare CR ends a record too, on the same line */
            krj_fuzz_assert(t->rows[rec - 1].line >= 1
                            && (rec == 1
                                || t->rows[rec - 1].line
                                   >= t->rows[rec - 2].line),
                            "row %u on line %u", rec, t->rows[rec - 1].line);
        }
    }

    /* quadratic: only for headers a person could read */
    for (c = 0; c < t->ncolumns && t->ncolumns <= 256; c++) {
        krj_fuzz_assert(krj_csv_len(t, 0, c) > 0, "column %u unnamed", c);

        for (d = 0; d < c; d++) {
            krj_fuzz_assert(krj_csv_len(t, 0, c) != krj_csv_len(t, 0, d)
                            || memcmp(krj_csv_text(t, 0, c),
                                      krj_csv_text(t, 0, d),
                                      krj_csv_len(t, 0, c)) != 0,
                            "columns %u and %u share a name", d, c);
        }
    }
}


static void
krj_fuzz_publish(const krj_csv_t *t)
{
    char                        err[KRJ_SNAP_ERRLEN];
    uint8_t                     digest[32];
    krj_buf_t                   out;
    krj_snap_t                  snap;
    krj_snap_input_t            in;
    const krj_snap_category_t  *cat;

    memset(&in, 0, sizeof(krj_snap_input_t));
    memset(digest, 0, sizeof(digest));

    in.slug = "fuzz";
    in.label = "Fuzz";
    in.signal_date = "2026-01-09";
    in.source_file = "KRJ_signals_latest_week_Fuzz_2026-01-09.csv";
    memset(in.sha256, 'f', 64);
    in.csv = t;

    krj_buf_init(&out);

    krj_fuzz_assert(krj_snap_write(&out, &in, 1, 1767981600, digest,
                                   KRJ_SNAP_VERSION, "krj-batch " KRJ_VERSION,
                                   err)
                    == 0, "krj_snap_write: %s", err);
    krj_fuzz_assert(krj_snap_open(&snap, out.data, out.len, err) == 0,
                    "the snapshot of an accepted file is refused: %s", err);

    cat = krj_snap_find_category(&snap, "fuzz", 4);
    krj_fuzz_assert(cat != NULL, "category not found");
    krj_fuzz_assert(cat->nrows == t->nrows && cat->ncolumns == t->ncolumns,
                    "%u rows, %u columns", cat->nrows, cat->ncolumns);
    krj_fuzz_assert(krj_fuzz_ref_is(&snap, cat->csv, (const char *) t->data,
                                    t->len), "csv is not the input");

    krj_fuzz_body(&snap, cat, t);
    krj_fuzz_records(&snap, cat, t);
    krj_fuzz_tickers(&snap, t);

    krj_fuzz_gunzip(&snap, cat->json_gz, cat->json, "json_gz");
    krj_fuzz_gunzip(&snap, cat->csv_gz, cat->csv, "csv_gz");
    krj_fuzz_gunzip(&snap, snap.hdr->categories_json_gz,
                    snap.hdr->categories_json, "categories_json_gz");
    krj_fuzz_gunzip(&snap, snap.hdr->summary_json_gz,
                    snap.hdr->summary_json, "summary_json_gz");
    krj_fuzz_encoded(&snap);

    json_decref(krj_fuzz_json(krj_snap_ptr(&snap, snap.hdr->categories_json),
                              snap.hdr->categories_json.len,
                              JSON_REJECT_DUPLICATES, "categories_json"));
    json_decref(krj_fuzz_json(krj_snap_ptr(&snap, snap.hdr->summary_json),
                              snap.hdr->summary_json.len,
                              JSON_REJECT_DUPLICATES, "summary_json"));

    krj_buf_free(&out);
}


/* GET /signals/fuzz as pre-rendered: the table's columns and rows */

static void
krj_fuzz_body(const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_csv_t *t)
{
    uint32_t  r, c, k, counts[2][3];
    json_t   *j, *cols, *rows, *row, *summary;

    static const char  *kind[] = { "long", "neutral", "short" };

    j = krj_fuzz_json(krj_snap_ptr(snap, cat->json), cat->json.len,
                      KRJ_FUZZ_JSON_DATA, "signals body");

    cols = json_object_get(j, "columns");
    rows = json_object_get(j, "rows");

    krj_fuzz_assert(json_array_size(cols) == t->ncolumns, "%zu columns",
                    json_array_size(cols));
    krj_fuzz_assert(json_array_size(rows) == t->nrows
                    && json_number_value(json_object_get(j, "count"))
                       == t->nrows, "%zu rows", json_array_size(rows));

    for (c = 0; c < t->ncolumns; c++) {
        krj_fuzz_assert(json_string_length(json_array_get(cols, c))
                        == krj_csv_len(t, 0, c)
                        && memcmp(json_string_value(json_array_get(cols, c)),
                                  krj_csv_text(t, 0, c),
                                  krj_csv_len(t, 0, c)) == 0,
                        "column %u is not the header's", c);
    }

    memset(counts, 0, sizeof(counts));

    for (r = 0; r < t->nrows; r++) {
        row = json_array_get(rows, r);

        krj_fuzz_assert(json_object_size(row) == t->ncolumns, "row %u has "
                        "%zu members", r, json_object_size(row));

        krj_fuzz_cells(snap, cat, t, r, row);

        /* the counts from the text itself, not from the parser's codes */
        for (k = 0; k < 3; k++) {
            if (t->signal_col >= 0
                && strcmp(krj_csv_text(t, r + 1, t->signal_col),
                          krj_fuzz_signals[k])
                   == 0)
            {
                counts[KRJ_WEEK_THIS][k]++;
            }

            if (t->prior_col >= 0
                && strcmp(krj_csv_text(t, r + 1, t->prior_col),
                          krj_fuzz_signals[k])
                   == 0)
            {
                counts[KRJ_WEEK_PRIOR][k]++;
            }
        }
    }

    summary = json_object_get(j, "summary");

    for (k = 0; k < 3; k++) {
        krj_fuzz_assert(json_number_value(json_object_get(summary, kind[k]))
                        == counts[KRJ_WEEK_THIS][k]
                        && json_number_value(json_object_get(
                               json_object_get(summary, "prior"), kind[k]))
                           == counts[KRJ_WEEK_PRIOR][k],
                        "summary %s", kind[k]);
    }

    krj_fuzz_assert(memcmp(counts, cat->counts, sizeof(counts)) == 0,
                    "category counts");

    json_decref(j);
}


/*
 * each member of a row object: null, the number as written, or the text;
 * the cell's JSON value and CSV field where the index says they are
 */

static void
krj_fuzz_cells(const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_csv_t *t, uint32_t r, json_t *row)
{
    size_t           len;
    uint32_t         c;
    json_t          *v;
    const char      *s, *f;
    krj_snap_ref_t   json, field;

    for (c = 0; c < t->ncolumns; c++) {
        v = json_object_get(row, krj_csv_text(t, 0, c));
        s = krj_csv_text(t, r + 1, c);
        len = krj_csv_len(t, r + 1, c);
        json = krj_snap_cell_json(snap, cat, r, c);
        field = krj_snap_cell_csv(snap, cat, r, c);
        f = krj_snap_ptr(snap, field);

        krj_fuzz_assert(v != NULL, "row %u: no member for column %u", r, c);

        if (krj_cell_csv_needs_quotes(s, len)) {
            krj_fuzz_assert(field.len >= len + 2 && f[0] == '"'
                            && f[field.len - 1] == '"',
                            "cell %u,%u: CSV field not quoted", r, c);

        } else {
            krj_fuzz_assert(krj_fuzz_ref_is(snap, field, s, len),
                            "cell %u,%u: CSV field differs", r, c);
        }

        if (len == 0) {
            krj_fuzz_assert(json_is_null(v)
                            && krj_fuzz_ref_is(snap, json, "null", 4),
                            "cell %u,%u: empty but not null", r, c);

        } else if (json_is_number(v)) {
            krj_fuzz_assert(krj_fuzz_ref_is(snap, json, s, len),
                            "cell %u,%u: number not as written", r, c);

        } else {
            krj_fuzz_assert(json_is_string(v)
                            && json_string_length(v) == len
                            && memcmp(json_string_value(v), s, len) == 0
                            && json.len >= 2
                            && krj_snap_ptr(snap, json)[0] == '"',
                            "cell %u,%u: string differs", r, c);
        }
    }
}


/* the header and row records the .csv answers are made of, read back */

static void
krj_fuzz_records(const krj_snap_t *snap, const krj_snap_category_t *cat,
    const krj_csv_t *t)
{
    uint32_t               r, c;
    krj_buf_t              b;
    krj_csv_t              back;
    const krj_snap_row_t  *rows;

    krj_buf_init(&b);
    krj_buf_append(&b, krj_snap_ptr(snap, cat->csv_header),
                   cat->csv_header.len);

    rows = krj_snap_rows(snap, cat);

    for (r = 0; r < t->nrows; r++) {
        krj_buf_append(&b, krj_snap_ptr(snap, rows[r].csv), rows[r].csv.len);
    }

    krj_fuzz_assert(!b.failed, "out of memory");

    krj_fuzz_assert(krj_csv_parse(&back, b.data, b.len, SIZE_MAX, NULL, NULL)
                    == 0, "records read back: line %u: %s", back.err_line,
                    back.err);
    krj_fuzz_assert(back.ncolumns == t->ncolumns && back.nrows == t->nrows,
                    "read back %u columns, %u rows", back.ncolumns,
                    back.nrows);

    for (r = 0; r <= t->nrows; r++) {
        for (c = 0; c < t->ncolumns; c++) {
            krj_fuzz_assert(krj_csv_len(&back, r, c) == krj_csv_len(t, r, c)
                            && memcmp(krj_csv_text(&back, r, c),
                                      krj_csv_text(t, r, c),
                                      krj_csv_len(t, r, c)) == 0,
                            "record %u field %u reads back differently", r,
                            c);
        }
    }

    krj_csv_free(&back);
    krj_buf_free(&b);
}


/* every row is found by its ticker, in any case */

static void
krj_fuzz_tickers(const krj_snap_t *snap, const krj_csv_t *t)
{
    uint32_t                  r, i;
    const krj_snap_ticker_t  *tk;

    for (r = 0; r < t->nrows; r++) {
        tk = krj_snap_find_ticker(snap, krj_csv_text(t, r + 1, t->ticker_col),
                                  krj_csv_len(t, r + 1, t->ticker_col));

        krj_fuzz_assert(tk != NULL, "row %u: ticker not in the index", r);

        for (i = 0; i < tk->count; i++) {
            if (snap->ticker_rows[tk->first + i].row == r) {
                break;
            }
        }

        krj_fuzz_assert(i < tk->count, "row %u: not under its ticker", r);
    }
}


static void
krj_fuzz_gunzip(const krj_snap_t *snap, krj_snap_ref_t gz,
    krj_snap_ref_t plain, const char *what)
{
    int        rc;
    uint8_t   *buf;
    z_stream   zs;

    memset(&zs, 0, sizeof(z_stream));

    krj_fuzz_assert(inflateInit2(&zs, 15 + 16) == Z_OK, "inflateInit2");

    /* one byte more than expected, to see a body that is too long */
    buf = malloc(plain.len + 1);
    krj_fuzz_assert(buf != NULL, "malloc(%u)", plain.len + 1);

    zs.next_in = (Bytef *) krj_snap_ptr(snap, gz);
    zs.avail_in = gz.len;
    zs.next_out = buf;
    zs.avail_out = plain.len + 1;

    rc = inflate(&zs, Z_FINISH);

    krj_fuzz_assert(rc == Z_STREAM_END && zs.total_out == plain.len
                    && memcmp(buf, krj_snap_ptr(snap, plain), plain.len)
                       == 0, "%s does not inflate to its body (%d)", what,
                    rc);

    inflateEnd(&zs);
    free(buf);
}


/* every br and zstd form decodes to its body, byte for byte, no more */

static void
krj_fuzz_encoded(const krj_snap_t *snap)
{
    size_t                     len;
    uint8_t                   *buf;
    uint32_t                   i;
    const krj_snap_encoded_t  *e;

    for (i = 0; i < snap->nencoded; i++) {
        e = &snap->encoded[i];

        /* one byte more than expected, to see a body that is too long */
        buf = malloc(e->body.len + 1);
        krj_fuzz_assert(buf != NULL, "malloc(%u)", e->body.len + 1);

        if (e->br.len != 0) {
            len = e->body.len + 1;
            krj_fuzz_assert(BrotliDecoderDecompress(e->br.len,
                                (const uint8_t *) krj_snap_ptr(snap, e->br),
                                &len, buf)
                            == BROTLI_DECODER_RESULT_SUCCESS
                            && len == e->body.len
                            && memcmp(buf, krj_snap_ptr(snap, e->body), len)
                               == 0,
                            "the br form of the body at %u does not decode "
                            "to it", e->body.off);
        }

        if (e->zstd.len != 0) {
            len = ZSTD_decompress(buf, e->body.len + 1,
                                  krj_snap_ptr(snap, e->zstd), e->zstd.len);
            krj_fuzz_assert(!ZSTD_isError(len) && len == e->body.len
                            && memcmp(buf, krj_snap_ptr(snap, e->body), len)
                               == 0,
                            "the zstd form of the body at %u does not decode "
                            "to it", e->body.off);
        }

        free(buf);
    }
}


static int
krj_fuzz_ref_is(const krj_snap_t *snap, krj_snap_ref_t ref, const char *p,
    size_t len)
{
    return ref.len == len && memcmp(krj_snap_ptr(snap, ref), p, len) == 0;
}
