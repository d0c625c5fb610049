
/*
 * Copyright (C) The krj developers
 */


/*
 * The snapshot reader: validates a whole snapshot before anything reads it.
 * Shared by the nginx module and krj-batch, so it uses libc and libcrypto
 * only, never allocates, and never reads outside [p, p + len).  Every loop
 * is bounded by a count whose array was first checked to lie in the buffer,
 * so the work is linear in the file size.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "krj_date.h"
#include "krj_snapshot.h"


static int krj_snap_open_checked(krj_snap_t *snap, const uint8_t *p,
    size_t len, int digest, char *err);
static int krj_snap_check_header(krj_snap_t *snap, int digest, char *err);
static int krj_snap_check_writer(krj_snap_t *snap, char *err);
static int krj_snap_check_category(const krj_snap_t *snap, uint32_t i,
    char *err);
static int krj_snap_check_columns(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t i, char *err);
static int krj_snap_check_rows(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t i, char *err);
static int krj_snap_check_page(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t i, char *err);
static int krj_snap_check_dashboard(const krj_snap_t *snap, char *err);
static int krj_snap_check_tickers(const krj_snap_t *snap, char *err);
static int krj_snap_rowref_cmp(const krj_snap_rowref_t *a,
    const krj_snap_rowref_t *b);


int
krj_snap_open(krj_snap_t *snap, const uint8_t *p, size_t len, char *err)
{
    return krj_snap_open_checked(snap, p, len, 1, err);
}


int
krj_snap_open_built(krj_snap_t *snap, const uint8_t *p, size_t len,
    char *err)
{
    return krj_snap_open_checked(snap, p, len, 0, err);
}


static int
krj_snap_open_checked(krj_snap_t *snap, const uint8_t *p, size_t len,
    int digest, char *err)
{
    uint32_t                    i;
    krj_snap_t                  s;
    const krj_snap_category_t  *cat, *prev;

    memset(snap, 0, sizeof(krj_snap_t));

    if (p == NULL || len < KRJ_SNAP_HEADER_V3) {
        return krj_snap_error(err, "file too short for a header "
                              "(%zu bytes)", len);
    }

    /* the structures hold 64-bit fields; a mapping is page aligned */
    if ((uintptr_t) p % KRJ_SNAP_ALIGN != 0) {
        return krj_snap_error(err, "buffer not %d-byte aligned",
                              KRJ_SNAP_ALIGN);
    }

    s.base = p;
    s.len = len;
    s.hdr = (const krj_snap_header_t *) p;
    s.categories = NULL;
    s.tickers = NULL;
    s.ticker_rows = NULL;
    s.hcategories = NULL;
    s.htickers = NULL;
    s.hweeks = NULL;
    s.indexes = NULL;
    s.writer.off = 0;
    s.writer.len = 0;

    if (krj_snap_check_header(&s, digest, err) != 0) {
        return -1;
    }

    s.categories = (const krj_snap_category_t *) (p + s.hdr->categories.off);
    s.tickers = (const krj_snap_ticker_t *) (p + s.hdr->tickers.off);
    s.ticker_rows = (const krj_snap_rowref_t *) (p + s.hdr->ticker_rows.off);

    prev = NULL;

    for (i = 0; i < s.hdr->ncategories; i++) {
        cat = &s.categories[i];

        if (krj_snap_check_category(&s, i, err) != 0) {
            return -1;
        }

        if (prev != NULL
            && krj_snap_cmp(p + prev->slug.off, prev->slug.len,
                            p + cat->slug.off, cat->slug.len) >= 0)
        {
            return krj_snap_error(err, "category %u: slug not sorted or "
                                  "not unique", i);
        }

        prev = cat;
    }

    if (krj_snap_check_tickers(&s, err) != 0
        || krj_snap_check_history(&s, err) != 0
        || krj_snap_check_dashboard(&s, err) != 0
        || krj_snap_check_indexes(&s, err) != 0
        || krj_snap_check_encodings(&s, err) != 0)
    {
        return -1;
    }

    *snap = s;

    return 0;
}


static int
krj_snap_check_header(krj_snap_t *snap, int digest, char *err)
{
    char                      iso[KRJ_DATE_ISO_LEN + 1];
    unsigned int              mdlen;
    const krj_snap_header_t  *h;
    uint8_t                   md[EVP_MAX_MD_SIZE];

    h = snap->hdr;

    if (memcmp(h->magic, KRJ_SNAP_MAGIC, KRJ_SNAP_MAGIC_LEN) != 0) {
        return krj_snap_error(err, "bad magic, not a krj snapshot");
    }

    /* the fields up to header_size are those of every version */

    if (h->version != KRJ_SNAP_VERSION && h->version != KRJ_SNAP_VERSION_PREV)
    {
        return krj_snap_error(err, "unsupported format version %u "
                              "(this module reads %d and %d)", h->version,
                              KRJ_SNAP_VERSION_PREV, KRJ_SNAP_VERSION);
    }

    if (h->header_size != krj_snap_header_size(h->version)) {
        return krj_snap_error(err, "header size %u, expected %zu for format "
                              "%u", h->header_size,
                              krj_snap_header_size(h->version), h->version);
    }

    if (snap->len < h->header_size) {
        return krj_snap_error(err, "file too short for a format %u header "
                              "(%zu bytes)", h->version, snap->len);
    }

    if (h->byte_order != KRJ_SNAP_BYTE_ORDER) {
        return krj_snap_error(err, "byte order mismatch (written on another "
                              "architecture)");
    }

    if (h->total_len != snap->len || snap->len > KRJ_SNAP_MAX_SIZE) {
        return krj_snap_error(err, "total length %llu, file has %zu bytes",
                              (unsigned long long) h->total_len, snap->len);
    }

    if (digest) {
        if (EVP_Digest(snap->base + KRJ_SNAP_SUMMED_FROM,
                       snap->len - KRJ_SNAP_SUMMED_FROM, md, &mdlen,
                       EVP_sha256(), NULL)
            != 1 || mdlen != sizeof(h->checksum))
        {
            return krj_snap_error(err, "cannot compute SHA-256");
        }

        if (memcmp(md, h->checksum, sizeof(h->checksum)) != 0) {
            return krj_snap_error(err, "checksum mismatch");
        }
    }

    /*
     * Every time and date is one krj_date.h can write: an age computed
     * from them cannot overflow, and /ready cannot be told "age 0" by a
     * generated_at of INT64_MIN.
     */

    if (h->generated_at < 0 || h->generated_at > KRJ_SNAP_MAX_TIME) {
        return krj_snap_error(err, "generated_at %lld is not a time from "
                              "1970 to 9999", (long long) h->generated_at);
    }

    if (!krj_snap_ref_ok(snap, h->generated_at_iso)) {
        return krj_snap_error(err, "generated_at_iso out of bounds");
    }

    krj_date_iso(h->generated_at, iso);

    if (h->generated_at_iso.len != KRJ_DATE_ISO_LEN
        || memcmp(krj_snap_ptr(snap, h->generated_at_iso), iso,
                  KRJ_DATE_ISO_LEN)
           != 0)
    {
        return krj_snap_error(err, "generated_at_iso does not say "
                              "generated_at (%s)", iso);
    }

    if (h->version != KRJ_SNAP_VERSION_PREV
        && krj_snap_check_writer(snap, err) != 0)
    {
        return -1;
    }

    if (!krj_snap_array_ok(snap, h->categories, h->ncategories,
                           sizeof(krj_snap_category_t)))
    {
        return krj_snap_error(err, "categories array out of bounds, "
                              "misaligned or of the wrong size");
    }

    if (!krj_snap_array_ok(snap, h->tickers, h->ntickers,
                           sizeof(krj_snap_ticker_t)))
    {
        return krj_snap_error(err, "tickers array out of bounds, "
                              "misaligned or of the wrong size");
    }

    if (!krj_snap_array_ok(snap, h->ticker_rows, h->nticker_rows,
                           sizeof(krj_snap_rowref_t)))
    {
        return krj_snap_error(err, "ticker rows array out of bounds, "
                              "misaligned or of the wrong size");
    }

    if (!krj_snap_ref_ok(snap, h->categories_json)
        || !krj_snap_ref_ok(snap, h->categories_json_gz)
        || !krj_snap_ref_ok(snap, h->summary_json)
        || !krj_snap_ref_ok(snap, h->summary_json_gz))
    {
        return krj_snap_error(err, "pre-rendered body out of bounds");
    }

    return 0;
}


static int
krj_snap_check_writer(krj_snap_t *snap, char *err)
{
    krj_snap_ref_t  ref;

    ref = snap->hdr->writer;

    if (!krj_snap_ref_ok(snap, ref)
        || !krj_snap_writer_ok(krj_snap_ptr(snap, ref), ref.len))
    {
        return krj_snap_error(err, "writer out of bounds, or not 1 to %d "
                              "printable ASCII characters",
                              KRJ_SNAP_WRITER_MAX);
    }

    snap->writer = ref;

    return 0;
}


/*
 * The writer is shown to operators (the error log, /ready): printable
 * ASCII only, so that it can neither break a log line nor need escaping,
 * and short enough for one line.
 */

int
krj_snap_writer_ok(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > KRJ_SNAP_WRITER_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e) {
            return 0;
        }
    }

    return 1;
}


static int
krj_snap_check_category(const krj_snap_t *snap, uint32_t i, char *err)
{
    long                        days;
    const krj_snap_category_t  *cat;

    cat = &snap->categories[i];

    if (!krj_snap_ref_ok(snap, cat->slug) || cat->slug.len == 0) {
        return krj_snap_error(err, "category %u: slug out of bounds "
                              "or empty", i);
    }

    if (!krj_snap_ref_ok(snap, cat->label)
        || !krj_snap_ref_ok(snap, cat->signal_date)
        || !krj_snap_ref_ok(snap, cat->source_file))
    {
        return krj_snap_error(err, "category %u: label, signal_date or "
                              "source_file out of bounds", i);
    }

    if (krj_date_parse(krj_snap_ptr(snap, cat->signal_date),
                       cat->signal_date.len, &days, NULL)
        != 0)
    {
        return krj_snap_error(err, "category %u: signal_date is not a "
                              "date from 1970 to 9999", i);
    }

    if (!krj_snap_ref_ok(snap, cat->sha256) || cat->sha256.len != 64) {
        return krj_snap_error(err, "category %u: sha256 out of bounds "
                              "or not 64 digits", i);
    }

    if (cat->ncolumns == 0) {
        return krj_snap_error(err, "category %u: no columns", i);
    }

    if (cat->ticker_col < 0 || (uint32_t) cat->ticker_col >= cat->ncolumns) {
        return krj_snap_error(err, "category %u: ticker column %d out of "
                              "range", i, cat->ticker_col);
    }

    if (cat->signal_col < -1
        || (cat->signal_col >= 0
            && (uint32_t) cat->signal_col >= cat->ncolumns))
    {
        return krj_snap_error(err, "category %u: signal column %d out of "
                              "range", i, cat->signal_col);
    }

    if (cat->prior_col < -1
        || (cat->prior_col >= 0
            && (uint32_t) cat->prior_col >= cat->ncolumns))
    {
        return krj_snap_error(err, "category %u: prior column %d out of "
                              "range", i, cat->prior_col);
    }

    if (!krj_snap_array_ok(snap, cat->columns, cat->ncolumns,
                           sizeof(krj_snap_column_t)))
    {
        return krj_snap_error(err, "category %u: columns out of bounds", i);
    }

    if (!krj_snap_array_ok(snap, cat->rows, cat->nrows,
                           sizeof(krj_snap_row_t)))
    {
        return krj_snap_error(err, "category %u: rows out of bounds", i);
    }

    if (!krj_snap_ref_ok(snap, cat->json_meta)
        || !krj_snap_ref_ok(snap, cat->categories_item)
        || !krj_snap_ref_ok(snap, cat->summary_item)
        || !krj_snap_ref_ok(snap, cat->summary)
        || !krj_snap_ref_ok(snap, cat->json)
        || !krj_snap_ref_ok(snap, cat->json_gz)
        || !krj_snap_ref_ok(snap, cat->csv)
        || !krj_snap_ref_ok(snap, cat->csv_gz)
        || !krj_snap_ref_ok(snap, cat->csv_header))
    {
        return krj_snap_error(err, "category %u: pre-rendered body out of "
                              "bounds", i);
    }

    if (!krj_snap_ref_ok(snap, cat->html_label)
        || !krj_snap_ref_ok(snap, cat->pretty_date)
        || !krj_snap_ref_ok(snap, cat->num_classes)
        || !krj_snap_ref_ok(snap, cat->warnings))
    {
        return krj_snap_error(err, "category %u: dashboard text out of "
                              "bounds", i);
    }

    if (cat->rank_width < 1 || cat->rank_width > KRJ_SNAP_RANK_WIDTH) {
        return krj_snap_error(err, "category %u: rank width %u", i,
                              cat->rank_width);
    }

    if (krj_snap_check_columns(snap, cat, i, err) != 0
        || krj_snap_check_rows(snap, cat, i, err) != 0
        || krj_snap_check_page(snap, cat, i, err) != 0)
    {
        return -1;
    }

    return 0;
}


static int
krj_snap_check_columns(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t i, char *err)
{
    uint32_t                  c;
    const krj_snap_column_t  *col;

    col = krj_snap_columns(snap, cat);

    for (c = 0; c < cat->ncolumns; c++) {
        if (!krj_snap_ref_ok(snap, col[c].name)
            || !krj_snap_ref_ok(snap, col[c].json_name)
            || !krj_snap_ref_ok(snap, col[c].csv_name))
        {
            return krj_snap_error(err, "category %u: column %u: name out of "
                                  "bounds", i, c);
        }

        if (!krj_snap_ref_ok(snap, col[c].html_name)
            || !krj_snap_ref_ok(snap, col[c].url_name)
            || !krj_snap_ref_ok(snap, col[c].label)
            || !krj_snap_ref_ok(snap, col[c].tooltip))
        {
            return krj_snap_error(err, "category %u: column %u: dashboard "
                                  "text out of bounds", i, c);
        }

        if (col[c].numeric > 1 || col[c].right > 1) {
            return krj_snap_error(err, "category %u: column %u: bad numeric "
                                  "flag %u", i, c,
                                  col[c].numeric > 1 ? col[c].numeric
                                                     : col[c].right);
        }
    }

    return 0;
}


static int
krj_snap_check_rows(const krj_snap_t *snap, const krj_snap_category_t *cat,
    uint32_t i, char *err)
{
    uint32_t               r, k, counts[2][3];
    const krj_snap_row_t  *row;

    row = krj_snap_rows(snap, cat);
    memset(counts, 0, sizeof(counts));

    for (r = 0; r < cat->nrows; r++) {
        if (!krj_snap_ref_ok(snap, row[r].json)
            || !krj_snap_ref_ok(snap, row[r].csv)
            || !krj_snap_ref_ok(snap, row[r].html))
        {
            return krj_snap_error(err, "category %u: row %u: body out of "
                                  "bounds", i, r);
        }

        if (row[r].signal > KRJ_SIGNAL_OTHER
            || row[r].prior > KRJ_SIGNAL_OTHER
            || (cat->signal_col < 0 && row[r].signal != KRJ_SIGNAL_NONE)
            || (cat->prior_col < 0 && row[r].prior != KRJ_SIGNAL_NONE))
        {
            return krj_snap_error(err, "category %u: row %u: bad signal",
                                  i, r);
        }

        /* only words other than the three leave "changed" to the text */
        if (row[r].changed > 1 || row[r].reserved != 0
            || (row[r].signal != KRJ_SIGNAL_OTHER
                && row[r].prior != KRJ_SIGNAL_OTHER
                && row[r].changed != (row[r].signal != row[r].prior)))
        {
            return krj_snap_error(err, "category %u: row %u: bad changed "
                                  "flag", i, r);
        }

        /* KRJ_SIGNAL_LONG..SHORT map onto KRJ_COUNT_LONG..SHORT */
        k = row[r].signal;
        if (k >= KRJ_SIGNAL_LONG && k <= KRJ_SIGNAL_SHORT) {
            counts[KRJ_WEEK_THIS][k - KRJ_SIGNAL_LONG]++;
        }

        k = row[r].prior;
        if (k >= KRJ_SIGNAL_LONG && k <= KRJ_SIGNAL_SHORT) {
            counts[KRJ_WEEK_PRIOR][k - KRJ_SIGNAL_LONG]++;
        }
    }

    if (memcmp(counts, cat->counts, sizeof(counts)) != 0) {
        return krj_snap_error(err, "category %u: signal counts do not match "
                              "the rows", i);
    }

    return 0;
}


/*
 * The pre-rendered page: spans in bounds, each followed by a hole the
 * module knows, the last by none, so that the module's loop over them
 * ends where the page does.
 */

static int
krj_snap_check_page(const krj_snap_t *snap, const krj_snap_category_t *cat,
    uint32_t i, char *err)
{
    uint32_t                  k;
    const krj_snap_span_t    *span;
    const krj_snap_gzspan_t  *gs;

    if (cat->npage == 0
        || !krj_snap_array_ok(snap, cat->page, cat->npage,
                              sizeof(krj_snap_span_t)))
    {
        return krj_snap_error(err, "category %u: page out of bounds or "
                              "empty", i);
    }

    span = krj_snap_page(snap, cat);

    for (k = 0; k < cat->npage; k++) {
        if (!krj_snap_ref_ok(snap, span[k].text)
            || !krj_snap_ref_ok(snap, span[k].gz))
        {
            return krj_snap_error(err, "category %u: page span %u out of "
                                  "bounds", i, k);
        }

        if (span[k].hole >= KRJ_HOLES
            || (span[k].hole == KRJ_HOLE_NONE) != (k == cat->npage - 1))
        {
            return krj_snap_error(err, "category %u: page span %u: bad hole "
                                  "%u", i, k, span[k].hole);
        }
    }

    if (cat->npage_gz == 0
        || !krj_snap_array_ok(snap, cat->page_gz, cat->npage_gz,
                              sizeof(krj_snap_gzspan_t)))
    {
        return krj_snap_error(err, "category %u: compact gzip out of bounds "
                              "or empty", i);
    }

    gs = krj_snap_page_gz(snap, cat);

    for (k = 0; k < cat->npage_gz; k++) {
        if (!krj_snap_ref_ok(snap, gs[k].gz)) {
            return krj_snap_error(err, "category %u: compact gzip span %u "
                                  "out of bounds", i, k);
        }

        if ((gs[k].hole != KRJ_HOLE_HEADER && gs[k].hole != KRJ_HOLE_GROUPS
             && gs[k].hole != KRJ_HOLE_NONE)
            || (gs[k].hole == KRJ_HOLE_NONE) != (k == cat->npage_gz - 1))
        {
            return krj_snap_error(err, "category %u: compact gzip span %u: "
                                  "bad hole %u", i, k, gs[k].hole);
        }
    }

    return 0;
}


/* the tab order and the assets, after the categories it indexes */

static int
krj_snap_check_dashboard(const krj_snap_t *snap, char *err)
{
    uint32_t                 i;
    const uint32_t          *tabs;
    const krj_snap_asset_t  *a;

    if (!krj_snap_array_ok(snap, snap->hdr->tabs, snap->hdr->ncategories,
                           sizeof(uint32_t)))
    {
        return krj_snap_error(err, "tab order out of bounds, misaligned or "
                              "of the wrong size");
    }

    tabs = krj_snap_tabs(snap);

    for (i = 0; i < snap->hdr->ncategories; i++) {
        if (tabs[i] >= snap->hdr->ncategories) {
            return krj_snap_error(err, "tab %u: category %u out of range", i,
                                  tabs[i]);
        }
    }

    if (!krj_snap_ref_ok(snap, snap->hdr->gz_prefix)
        || !krj_snap_ref_ok(snap, snap->hdr->gz_api))
    {
        return krj_snap_error(err, "compact gzip locations out of bounds");
    }

    for (i = 0; i < KRJ_SNAP_ASSETS; i++) {
        a = &snap->hdr->assets[i];

        if (!krj_snap_ref_ok(snap, a->name) || a->name.len == 0
            || !krj_snap_ref_ok(snap, a->body)
            || !krj_snap_ref_ok(snap, a->gz))
        {
            return krj_snap_error(err, "asset %u out of bounds or unnamed",
                                  i);
        }
    }

    return 0;
}


static int
krj_snap_check_tickers(const krj_snap_t *snap, char *err)
{
    size_t                       k;
    uint32_t                     i, j, next;
    const uint8_t               *name;
    const krj_snap_ticker_t     *t, *prev;
    const krj_snap_rowref_t     *rr;
    const krj_snap_category_t   *cat;

    prev = NULL;
    next = 0;

    for (i = 0; i < snap->hdr->ntickers; i++) {
        t = &snap->tickers[i];

        if (!krj_snap_ref_ok(snap, t->ticker) || t->ticker.len == 0) {
            return krj_snap_error(err, "ticker %u: name out of bounds or "
                                  "empty", i);
        }

        /* lookups upper-case the key, so stored names must be upper case */
        name = snap->base + t->ticker.off;

        for (k = 0; k < t->ticker.len; k++) {
            if (name[k] >= 'a' && name[k] <= 'z') {
                return krj_snap_error(err, "ticker %u: not upper case", i);
            }
        }

        if (prev != NULL
            && krj_snap_cmp(snap->base + prev->ticker.off, prev->ticker.len,
                            name, t->ticker.len) >= 0)
        {
            return krj_snap_error(err, "ticker %u: not sorted or not unique",
                                  i);
        }

        /* the groups are contiguous and cover ticker_rows exactly */
        if (t->count == 0 || t->first != next
            || (uint64_t) t->first + t->count > snap->hdr->nticker_rows)
        {
            return krj_snap_error(err, "ticker %u: rows %u+%u out of range",
                                  i, t->first, t->count);
        }

        next = t->first + t->count;
        prev = t;
    }

    if (next != snap->hdr->nticker_rows) {
        return krj_snap_error(err, "ticker rows: %u listed, %u referenced",
                              snap->hdr->nticker_rows, next);
    }

    rr = snap->ticker_rows;

    for (j = 0; j < snap->hdr->nticker_rows; j++) {
        if (rr[j].category >= snap->hdr->ncategories) {
            return krj_snap_error(err, "ticker row %u: category %u out of "
                                  "range", j, rr[j].category);
        }

        cat = &snap->categories[rr[j].category];

        if (rr[j].row >= cat->nrows) {
            return krj_snap_error(err, "ticker row %u: row %u out of range",
                                  j, rr[j].row);
        }
    }

    /* krj_snap_ticker_in() searches a ticker's rows, each listed once */

    for (i = 0; i < snap->hdr->ntickers; i++) {
        t = &snap->tickers[i];

        for (j = t->first + 1; j < t->first + t->count; j++) {
            if (krj_snap_rowref_cmp(&rr[j - 1], &rr[j]) >= 0) {
                return krj_snap_error(err, "ticker %u: rows not sorted or "
                                      "not unique", i);
            }
        }
    }

    return 0;
}


static int
krj_snap_rowref_cmp(const krj_snap_rowref_t *a, const krj_snap_rowref_t *b)
{
    if (a->category != b->category) {
        return a->category < b->category ? -1 : 1;
    }

    return (a->row > b->row) - (a->row < b->row);
}


int
krj_snap_ref_ok(const krj_snap_t *snap, krj_snap_ref_t ref)
{
    /* 32-bit operands: the sum cannot overflow 64 bits */
    return (uint64_t) ref.off + ref.len <= snap->len;
}


int
krj_snap_array_ok(const krj_snap_t *snap, krj_snap_ref_t ref, uint64_t count,
    size_t size)
{
    if (ref.off % KRJ_SNAP_ALIGN != 0) {
        return 0;
    }

    /* a count larger than the file could hold would overflow the product */
    if (count > snap->len / size) {
        return 0;
    }

    if ((uint64_t) ref.len != count * size) {
        return 0;
    }

    return krj_snap_ref_ok(snap, ref);
}


int
krj_snap_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int  rc;

    rc = memcmp(a, b, alen < blen ? alen : blen);

    if (rc != 0) {
        return rc;
    }

    return (alen > blen) - (alen < blen);
}


int
krj_snap_error(char *err, const char *fmt, ...)
{
    va_list  args;

    if (err != NULL) {
        va_start(args, fmt);
        vsnprintf(err, KRJ_SNAP_ERRLEN, fmt, args);
        va_end(args);
    }

    return -1;
}
