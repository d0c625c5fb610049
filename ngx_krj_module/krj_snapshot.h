
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SNAPSHOT_H_INCLUDED_
#define _KRJ_SNAPSHOT_H_INCLUDED_


/*
 * The snapshot file, "krj.snapshot": written by krj-batch, mapped read-only
 * by every nginx worker.  This header is the only definition of the format;
 * both programs include it, so it uses plain C types and nothing of nginx.
 *
 * Layout rules:
 *   - integers are stored in host byte order; byte_order lets a reader on
 *     another architecture refuse the file instead of misreading it;
 *   - every offset is from the start of the file, every length in bytes;
 *     offsets are 32-bit, so a snapshot is at most 4 GiB - 1;
 *   - every array starts on an 8-byte boundary;
 *   - strings are not NUL-terminated: a krj_snap_ref_t gives their bytes;
 *   - the checksum is SHA-256 over bytes [KRJ_SNAP_SUMMED_FROM, total_len),
 *     i.e. everything after the checksum field itself, so magic, version,
 *     header size and total length are checked field by field and the rest
 *     of the file by the digest.
 */


#include <stddef.h>
#include <stdint.h>


#define KRJ_SNAP_MAGIC          "KRJSNAP\x1a"
#define KRJ_SNAP_MAGIC_LEN      8
#define KRJ_SNAP_VERSION        4
#define KRJ_SNAP_VERSION_PREV   3       /* still read, for one release */
#define KRJ_SNAP_BYTE_ORDER     0x01020304
#define KRJ_SNAP_MAX_SIZE       0xffffffffULL
#define KRJ_SNAP_ALIGN          8
#define KRJ_SNAP_SUMMED_FROM    offsetof(krj_snap_header_t, byte_order)

/*
 * Format 4 appended the writer to the header of format 3, so a header's
 * size says which of the two it is; format 3 has no writer.
 */
#define KRJ_SNAP_HEADER_V3      offsetof(krj_snap_header_t, writer)
#define krj_snap_header_size(version)                                         \
    ((version) == KRJ_SNAP_VERSION_PREV ? KRJ_SNAP_HEADER_V3                  \
                                        : sizeof(krj_snap_header_t))

/* the writer, "krj-batch 0.2.0": printable ASCII, 1 to this many bytes */
#define KRJ_SNAP_WRITER_MAX     64

/* generated_at: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z */
#define KRJ_SNAP_MAX_TIME       253402300799LL

/* krj_snap_row_t.signal and .prior */
#define KRJ_SIGNAL_NONE         0       /* no such column, or empty */
#define KRJ_SIGNAL_LONG         1
#define KRJ_SIGNAL_NEUTRAL      2
#define KRJ_SIGNAL_SHORT        3
#define KRJ_SIGNAL_OTHER        4       /* present but not a known value */

/* krj_snap_category_t.counts[week][kind] */
#define KRJ_WEEK_THIS           0
#define KRJ_WEEK_PRIOR          1
#define KRJ_COUNT_LONG          0
#define KRJ_COUNT_NEUTRAL       1
#define KRJ_COUNT_SHORT         2

#define KRJ_SNAP_ERRLEN         256

/* krj_snap_header_t.assets[]: the dashboard's, dashboard/krj.* */
#define KRJ_ASSET_CSS           0
#define KRJ_ASSET_JS            1
#define KRJ_ASSET_SVG           2
#define KRJ_SNAP_ASSETS         3

/* "krj.0123456789ab.css": the first 12 hex digits of the SHA-256 */
#define KRJ_ASSET_HASH_LEN      12

/*
 * krj_snap_span_t.hole: what the module puts after a span of a
 * pre-rendered page (krj_page.h)
 */
#define KRJ_HOLE_NONE           0       /* the last span */
#define KRJ_HOLE_PREFIX         1       /* the dashboard's location */
#define KRJ_HOLE_API            2       /* the API's location */
#define KRJ_HOLE_HEADER         3       /* the header and the tabs */
#define KRJ_HOLE_GROUPS         4       /* the print dialog's groups */
#define KRJ_HOLES               5

/* the widest rank krj_snap_category_t.rank_width allows: 36^7 > 2^32 */
#define KRJ_SNAP_RANK_WIDTH     7

/*
 * The classes of rows (krj_snap_index_t.classes): a row's signal, its
 * prior week's signal (KRJ_SIGNAL_*, 5 values each) and whether the
 * signal changed, which is all that signal=, prior=, either= and changed=
 * ask of a row.
 */
#define KRJ_SNAP_SIGNALS        5
#define KRJ_SNAP_CLASSES        (KRJ_SNAP_SIGNALS * KRJ_SNAP_SIGNALS * 2)

#define krj_snap_class(signal, prior, changed)                                \
    (((uint32_t) (signal) * KRJ_SNAP_SIGNALS + (prior)) * 2 + (changed))
#define krj_snap_class_signal(c)   ((c) / 2 / KRJ_SNAP_SIGNALS)
#define krj_snap_class_prior(c)    ((c) / 2 % KRJ_SNAP_SIGNALS)
#define krj_snap_class_changed(c)  ((c) % 2)

/* krj_snap_index_t.width and .cell_width: bytes of an entry */
#define KRJ_SNAP_NARROW         2
#define KRJ_SNAP_WIDE           4


typedef struct {
    uint32_t        off;
    uint32_t        len;
} krj_snap_ref_t;


/* an asset of the dashboard, under its content-hashed name */
typedef struct {
    krj_snap_ref_t  name;               /* "krj.0123456789ab.css" */
    krj_snap_ref_t  body;
    krj_snap_ref_t  gz;
} krj_snap_asset_t;


typedef struct {
    uint8_t         magic[KRJ_SNAP_MAGIC_LEN];
    uint32_t        version;
    uint32_t        header_size;        /* krj_snap_header_size(version) */
    uint64_t        total_len;          /* the file's exact size */
    uint8_t         checksum[32];

    /* everything from here to the end of the file is checksummed */

    uint32_t        byte_order;         /* KRJ_SNAP_BYTE_ORDER */
    uint32_t        ncategories;
    int64_t         generated_at;       /* unix time of the publishing run,
                                           0 to KRJ_SNAP_MAX_TIME */
    uint8_t         input_digest[32];   /* SHA-256 over the inputs used */
    uint32_t        ntickers;
    uint32_t        nticker_rows;

    krj_snap_ref_t  generated_at_iso;   /* "2026-01-09T18:00:00Z" */

    /* krj_snap_category_t[ncategories], sorted by slug, slugs unique */
    krj_snap_ref_t  categories;

    /* krj_snap_ticker_t[ntickers], sorted by ticker (bytes), unique */
    krj_snap_ref_t  tickers;

    /* krj_snap_rowref_t[nticker_rows], grouped per ticker */
    krj_snap_ref_t  ticker_rows;

    /* pre-rendered bodies of GET /categories and GET /summary */
    krj_snap_ref_t  categories_json;
    krj_snap_ref_t  categories_json_gz;
    krj_snap_ref_t  summary_json;
    krj_snap_ref_t  summary_json_gz;

    /* the dashboard: uint32_t[ncategories], category indexes in tab order */
    krj_snap_ref_t  tabs;
    krj_snap_asset_t assets[KRJ_SNAP_ASSETS];

    /* the locations the pages' compact gzip is for: "/krj", "/api/v1" */
    krj_snap_ref_t  gz_prefix;
    krj_snap_ref_t  gz_api;

    /*
     * The history section, GET /history/{slug}/{ticker}: its own part of
     * the file, written after the rest by krj_history_write.c and checked
     * by krj_snapshot_history.c.  All zero: no history.
     */
    uint32_t        history_weeks;      /* krj-batch's --history-weeks */
    uint32_t        nhistory_tickers;
    uint32_t        nhistory_weeks;
    uint32_t        history_reserved;

    /* krj_snap_hcategory_t[ncategories], as categories; or empty */
    krj_snap_ref_t  history_categories;

    /* krj_snap_hticker_t[nhistory_tickers], by category, then ticker */
    krj_snap_ref_t  history_tickers;

    /* krj_snap_hweek_t[nhistory_weeks], grouped per ticker */
    krj_snap_ref_t  history_week_list;

    /*
     * krj_snap_index_t[ncategories], in the order of categories: what
     * answers a query without reading every row (krj_snapshot_index.c)
     */
    krj_snap_ref_t  indexes;

    /*
     * krj_snap_encoded_t[]: the br and zstd forms of every whole body
     * under 1 MiB that has a gzip one, by the body's offset
     * (krj_snapshot_encoded.c); a body without one is sent as gzip
     */
    krj_snap_ref_t  encodings;

    /*
     * Format 4: the program and version that wrote the file, "krj-batch
     * 0.2.0", for the operator.  Not in a format 3 header: read it as
     * krj_snap_t.writer, never here.
     */
    krj_snap_ref_t  writer;
} krj_snap_header_t;


typedef struct {
    krj_snap_ref_t  slug;               /* "sp500" */
    krj_snap_ref_t  label;              /* "SP500" */
    krj_snap_ref_t  signal_date;        /* "2026-01-09" */
    krj_snap_ref_t  source_file;        /* base name of the input CSV */
    krj_snap_ref_t  sha256;             /* 64 hex digits, of csv below */

    uint32_t        nrows;
    uint32_t        ncolumns;

    /* column indexes, -1 when the column is absent */
    int32_t         ticker_col;
    int32_t         signal_col;
    int32_t         prior_col;
    uint32_t        reserved;

    /* [KRJ_WEEK_*][KRJ_COUNT_*] over all rows */
    uint32_t        counts[2][3];

    krj_snap_ref_t  columns;            /* krj_snap_column_t[ncolumns] */
    krj_snap_ref_t  rows;               /* krj_snap_row_t[nrows] */

    /*
     * JSON members shared by every answer about this category, without
     * braces: "category":"sp500","label":"SP500","signal_date":"...",
     * "generated_at":"..."
     */
    krj_snap_ref_t  json_meta;

    /* the object for this category in /categories and in /summary */
    krj_snap_ref_t  categories_item;
    krj_snap_ref_t  summary_item;

    /* the summary object over all rows, {"total":...,"delta":{...}} */
    krj_snap_ref_t  summary;

    /* unfiltered GET /signals/{slug} and /signals/{slug}.csv bodies */
    krj_snap_ref_t  json;
    krj_snap_ref_t  json_gz;
    krj_snap_ref_t  csv;                /* the validated CSV as published */
    krj_snap_ref_t  csv_gz;

    krj_snap_ref_t  csv_header;         /* header record, "\n" included */

    /* the dashboard, HTML-escaped where it is text */
    krj_snap_ref_t  html_label;
    krj_snap_ref_t  pretty_date;        /* "Jan 9, 2026" */
    krj_snap_ref_t  num_classes;        /* " n1 n2": right-aligned columns */
    krj_snap_ref_t  warnings;           /* <ul class="note">..., or empty */

    /*
     * the unfiltered page, krj_snap_span_t[npage]: spans of text, each
     * followed by its hole, and each compressed on its own (a raw deflate
     * stream flushed to a byte boundary, the first behind a gzip header,
     * the last final), so that the spans with the holes as stored blocks
     * between them, and the CRC-32 and length, are one gzip member
     */
    krj_snap_ref_t  page;
    uint32_t        npage;
    uint32_t        rank_width;         /* base-36 digits per rank */

    /*
     * the same page's gzip for the header's gz_prefix and gz_api, which
     * it holds: krj_snap_gzspan_t[npage_gz], cut only at the header and
     * the groups, so it compresses as a whole page does
     */
    krj_snap_ref_t  page_gz;
    uint32_t        npage_gz;
    uint32_t        reserved2;
} krj_snap_category_t;


typedef struct {
    krj_snap_ref_t  name;               /* as in the CSV header */
    krj_snap_ref_t  json_name;          /* a JSON string, quotes included */
    krj_snap_ref_t  csv_name;           /* as a CSV field, quoted if needed */
    uint32_t        numeric;            /* 1: every non-empty cell a number */
    uint32_t        right;              /* 1: the dashboard right-aligns it */

    /* the dashboard: the name escaped, and percent-encoded for a query */
    krj_snap_ref_t  html_name;
    krj_snap_ref_t  url_name;
    krj_snap_ref_t  label;              /* escaped */
    krj_snap_ref_t  tooltip;            /* escaped, may be empty */
} krj_snap_column_t;


typedef struct {
    krj_snap_ref_t  json;               /* {"ticker":"AAPL",...} */
    krj_snap_ref_t  csv;                /* the record as CSV, "\n" included */
    krj_snap_ref_t  html;               /* <tr data-r=...>...</tr>\n */
    uint32_t        line;               /* first line of it in the source */
    uint8_t         signal;             /* KRJ_SIGNAL_* */
    uint8_t         prior;              /* KRJ_SIGNAL_* */

    /*
     * 1: the signal differs from the prior week's; words other than the
     * three compare as text, ignoring ASCII case
     */
    uint8_t         changed;
    uint8_t         reserved;
} krj_snap_row_t;


/* a span of a page's compact gzip: its text is not stored, only said */
typedef struct {
    krj_snap_ref_t  gz;
    uint32_t        len;                /* of its text */
    uint32_t        crc;
    uint32_t        shift;
    uint32_t        hole;               /* KRJ_HOLE_HEADER, _GROUPS, _NONE */
} krj_snap_gzspan_t;


/* a span of a pre-rendered page and what follows it */
typedef struct {
    krj_snap_ref_t  text;
    krj_snap_ref_t  gz;                 /* its deflate blocks */
    uint32_t        crc;                /* CRC-32 of text */
    uint32_t        hole;               /* KRJ_HOLE_* */
    uint32_t        shift;              /* zlib's crc32_combine_gen(len) */
    uint32_t        reserved;
} krj_snap_span_t;


/*
 * The indexes of a category.  Lists of row numbers are arrays of width
 * bytes an entry (KRJ_SNAP_NARROW when every row number fits in 16 bits,
 * else KRJ_SNAP_WIDE), read with krj_snap_entry().
 */
/* a whole body's other compressed forms; len 0: none */
typedef struct {
    krj_snap_ref_t  body;               /* the identity body */
    krj_snap_ref_t  br;
    krj_snap_ref_t  zstd;
} krj_snap_encoded_t;


typedef struct {
    uint32_t        width;              /* of a row number */
    uint32_t        cell_width;         /* of a position in cells */

    /*
     * [nrows * ncolumns * 2]: for each cell, row by row, where its JSON
     * value starts in its row's JSON object and where its CSV field
     * starts in its row's CSV record; each ends where the next column's
     * name (JSON) or field (CSV) begins, the last before the closing
     * brace or the newline (krj_snap_cell_json(), krj_snap_cell_csv()).
     * cell_width is KRJ_SNAP_NARROW when every row is shorter than 64 KiB.
     */
    krj_snap_ref_t  cells;

    /* krj_snap_class_t[KRJ_SNAP_CLASSES] */
    krj_snap_ref_t  classes;

    /* [nrows]: the row numbers of each class, ascending, class by class */
    krj_snap_ref_t  class_rows;

    /* krj_snap_order_t[ncolumns] */
    krj_snap_ref_t  orders;
} krj_snap_index_t;


/* the rows of a class: class_rows[first, first + count) */
typedef struct {
    uint32_t        first;
    uint32_t        count;
} krj_snap_class_t;


/*
 * The order of a column, for sort=: rows ascending by the cell, numbers
 * by value before texts by bytes, ties in file order, empty cells last.
 * Rows of equal cells (a tie group) are neighbours, and each row's rank
 * is the position of the first of its group: the descending order is the
 * groups walked from the last non-empty one back, each group forwards,
 * then the empty cells, so that it needs no array of its own.
 */
typedef struct {
    krj_snap_ref_t  rows;               /* [nrows] row numbers */
    krj_snap_ref_t  ranks;              /* [nrows], by row number */
    uint32_t        nonempty;           /* rows[nonempty..] are empty */
    uint32_t        reserved;
} krj_snap_order_t;


typedef struct {
    krj_snap_ref_t  ticker;             /* upper case */
    uint32_t        first;              /* index into ticker_rows */
    uint32_t        count;
} krj_snap_ticker_t;


typedef struct {
    uint32_t        category;
    uint32_t        row;
} krj_snap_rowref_t;


/* the history of a category: its tickers, [first, first + count) */
typedef struct {
    uint32_t        exported;           /* 0: the category has none */
    uint32_t        first;              /* index into history_tickers */
    uint32_t        count;
    uint32_t        reserved;
} krj_snap_hcategory_t;


/* one ticker's history in one category */
typedef struct {
    krj_snap_ref_t  ticker;             /* upper case */
    krj_snap_ref_t  json;               /* the body of GET /history/... */
    krj_snap_ref_t  json_gz;            /* empty: gzip would not gain */
    uint32_t        first;              /* index into history_week_list */
    uint32_t        count;              /* weeks, at least one */
} krj_snap_hticker_t;


/*
 * One week of a ticker, newest first: the JSON texts of its members, all
 * inside the ticker's body, so that krj-batch can carry the weeks over
 * into the next snapshot when PostgreSQL does not answer.
 */
typedef struct {
    krj_snap_ref_t  signal_date;        /* "2026-01-09" */
    krj_snap_ref_t  signal;             /* "Long" (quotes included), null */
    krj_snap_ref_t  prior;
    krj_snap_ref_t  c;                  /* a number, a string or null */
} krj_snap_hweek_t;


/*
 * A validated snapshot: pointers into the bytes that krj_snap_open()
 * checked.  Nothing here owns memory.
 */
typedef struct {
    const uint8_t              *base;
    size_t                      len;
    const krj_snap_header_t    *hdr;
    const krj_snap_category_t  *categories;
    const krj_snap_ticker_t    *tickers;
    const krj_snap_rowref_t    *ticker_rows;
    const krj_snap_hcategory_t *hcategories;    /* NULL: no history */
    const krj_snap_hticker_t   *htickers;
    const krj_snap_hweek_t     *hweeks;
    const krj_snap_index_t     *indexes;
    const krj_snap_encoded_t   *encoded;
    uint32_t                    nencoded;
    krj_snap_ref_t              writer;         /* empty in format 3 */
} krj_snap_t;


#define krj_snap_ptr(snap, ref)  ((const char *) (snap)->base + (ref).off)

#define krj_snap_columns(snap, cat)                                           \
    ((const krj_snap_column_t *) ((snap)->base + (cat)->columns.off))
#define krj_snap_rows(snap, cat)                                              \
    ((const krj_snap_row_t *) ((snap)->base + (cat)->rows.off))
#define krj_snap_page(snap, cat)                                              \
    ((const krj_snap_span_t *) ((snap)->base + (cat)->page.off))
#define krj_snap_page_gz(snap, cat)                                           \
    ((const krj_snap_gzspan_t *) ((snap)->base + (cat)->page_gz.off))
#define krj_snap_tabs(snap)                                                   \
    ((const uint32_t *) ((snap)->base + (snap)->hdr->tabs.off))
#define krj_snap_index(snap, cat)                                             \
    (&(snap)->indexes[(cat) - (snap)->categories])

/* entry i of a list of width bytes an entry */
#define krj_snap_entry(p, width, i)                                           \
    ((width) == KRJ_SNAP_NARROW                                               \
     ? (uint32_t) ((const uint16_t *) (const void *) (p))[i]                  \
     : ((const uint32_t *) (const void *) (p))[i])


/*
 * Checks every byte of a snapshot: magic, version, byte order, total length
 * against len, the checksum, then every offset, length, index and count.
 * Returns 0 and fills snap, or -1 with a one-line reason in err
 * (KRJ_SNAP_ERRLEN bytes).  Never reads outside [p, p + len).
 */
int krj_snap_open(krj_snap_t *snap, const uint8_t *p, size_t len, char *err);

/* krj_snapshot_find.c: binary search by slug; NULL when absent */
const krj_snap_category_t *krj_snap_find_category(const krj_snap_t *snap,
    const char *slug, size_t len);

/* binary search by ticker, case-insensitively; NULL when absent */
const krj_snap_ticker_t *krj_snap_find_ticker(const krj_snap_t *snap,
    const char *ticker, size_t len);

/*
 * The element of a sorted array of n structures of size bytes whose first
 * member, a ref to an upper-case key, equals key upper-cased; NULL when
 * none does.  The ticker index and the history's tickers share it.
 */
const void *krj_snap_search_upper(const krj_snap_t *snap, const void *array,
    size_t size, uint32_t n, const char *key, size_t len);

/*
 * As krj_snap_open(), for the snapshot this process has just built and
 * summed itself (krj-batch): every check but the digest, which would only
 * hash the file a second time.
 */
int krj_snap_open_built(krj_snap_t *snap, const uint8_t *p, size_t len,
    char *err);

/*
 * The rows of a ticker (krj_snap_find_ticker()) in one category:
 * ticker_rows[*first, *first + return value), in file order.
 */
uint32_t krj_snap_ticker_in(const krj_snap_t *snap,
    const krj_snap_ticker_t *ticker, const krj_snap_category_t *cat,
    uint32_t *first);

/* the JSON value and the CSV field of a cell, inside the snapshot */
krj_snap_ref_t krj_snap_cell_json(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t row, uint32_t col);
krj_snap_ref_t krj_snap_cell_csv(const krj_snap_t *snap,
    const krj_snap_category_t *cat, uint32_t row, uint32_t col);

/*
 * For the validators of the sections (krj_snapshot_history.c,
 * krj_snapshot_index.c, krj_snapshot_encoded.c): a ref in
 * the file; an array of count structures of size bytes, aligned, whose
 * ref has exactly their length; byte order of two strings; a stored
 * upper-case key against s upper-cased, as unsigned bytes; err set to a
 * formatted reason, -1 returned.
 */
int krj_snap_ref_ok(const krj_snap_t *snap, krj_snap_ref_t ref);
int krj_snap_array_ok(const krj_snap_t *snap, krj_snap_ref_t ref,
    uint64_t count, size_t size);
int krj_snap_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen);
int krj_snap_cmp_upper(const uint8_t *key, size_t klen, const char *s,
    size_t slen);
int krj_snap_error(char *err, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * 1 when s[0, len) is a writer format 4 allows, else 0: the reader's rule,
 * which krj-batch applies before it writes one
 */
int krj_snap_writer_ok(const char *s, size_t len);

/*
 * The history section (krj_snapshot_history.c): checks it and sets the
 * history pointers of snap, 0 or -1 with err; the history of a category,
 * NULL when it has none; a ticker's history in it, case-insensitively.
 */
int krj_snap_check_history(krj_snap_t *snap, char *err);
const krj_snap_hcategory_t *krj_snap_history_of(const krj_snap_t *snap,
    const krj_snap_category_t *cat);
const krj_snap_hticker_t *krj_snap_find_history(const krj_snap_t *snap,
    const krj_snap_hcategory_t *hc, const char *ticker, size_t len);

/* the index section (krj_snapshot_index.c): checks it, sets indexes */
int krj_snap_check_indexes(krj_snap_t *snap, char *err);

/*
 * The encodings section (krj_snapshot_encoded.c): checks it, sets
 * encoded; and the entry of a body, or NULL, by binary search.
 */
int krj_snap_check_encodings(krj_snap_t *snap, char *err);
const krj_snap_encoded_t *krj_snap_find_encoded(const krj_snap_t *snap,
    krj_snap_ref_t body);


#endif /* _KRJ_SNAPSHOT_H_INCLUDED_ */
