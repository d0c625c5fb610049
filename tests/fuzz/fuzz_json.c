
/*
 * Copyright (C) The krj developers
 */


/*
 * JSON escaping (krj_json_escape) and the formatter of krj_out.h over any
 * bytes.  Invariants: measuring gives the length written; the escaped text
 * is valid UTF-8 and, in quotes, a JSON string that jansson decodes to the
 * input with each byte that starts no valid UTF-8 sequence replaced by
 * U+FFFD; krj_utf8_char() agrees with an independent decoder at every
 * offset; the layouts of krj_layout.h filled with the input are JSON with
 * the values given; krj_utf8_cut() cuts between characters, as late as
 * its limit allows.
 */


#include "krj_fuzz.h"
#include "krj_layout.h"
#include "krj_out.h"
#include "krj_str.h"


typedef struct {
    const char                 *p;
    size_t                      len;
    unsigned                    status;
    int64_t                     age;
    uint32_t                    counts[2][3];
} krj_fuzz_json_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *krj_fuzz_expected(const char *p, size_t len, size_t *n);
static void krj_fuzz_escape(const char *p, size_t len, const char *expect,
    size_t elen);
static void krj_fuzz_formats(krj_fuzz_json_t *a, const char *expect,
    size_t elen);
static void krj_fuzz_error(krj_out_t *o, void *ctx);
static void krj_fuzz_ready(krj_out_t *o, void *ctx);
static void krj_fuzz_summary(krj_out_t *o, void *ctx);
static void krj_fuzz_mixed(krj_out_t *o, void *ctx);
static void krj_fuzz_numbers(krj_out_t *o, void *ctx);
static void krj_fuzz_cut(const char *p, size_t len, size_t max);
static uint32_t krj_fuzz_u32(const uint8_t *data, size_t size, size_t at);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              k, w;
    char            *p, *expect;
    size_t           i, n, elen;
    krj_fuzz_json_t  a;

    p = (char *) krj_fuzz_copy(data, size);

    /* the two UTF-8 decoders agree everywhere, not only on boundaries */

    for (i = 0; i < size; i++) {
        n = krj_utf8_char((const unsigned char *) p + i, size - i);

        krj_fuzz_assert(n == krj_fuzz_utf8_len((const unsigned char *) p + i,
                                               size - i),
                        "krj_utf8_char() says %zu at offset %zu", n, i);
    }

    expect = krj_fuzz_expected(p, size, &elen);

    krj_fuzz_escape(p, size, expect, elen);

    memset(&a, 0, sizeof(krj_fuzz_json_t));
    a.p = p;
    a.len = size;
    a.status = krj_fuzz_u32(data, size, 0);
    a.age = (int64_t) ((uint64_t) krj_fuzz_u32(data, size, 4) << 32
                       | krj_fuzz_u32(data, size, 8));

    for (w = 0; w < 2; w++) {
        for (k = 0; k < 3; k++) {
            a.counts[w][k] = krj_fuzz_u32(data, size, 12 + 4 * (3 * w + k));
        }
    }

    krj_fuzz_formats(&a, expect, elen);

    krj_fuzz_cut(p, size, krj_fuzz_u32(data, size, 0) % (size + 2));

    free(expect);
    free(p);

    return 0;
}


/* what a JSON decoder must get back: invalid bytes as U+FFFD */

static char *
krj_fuzz_expected(const char *p, size_t len, size_t *n)
{
    char    *e;
    size_t   i, c;

    /* at worst every byte becomes the three bytes of U+FFFD */
    e = malloc(3 * len + 1);
    krj_fuzz_assert(e != NULL, "malloc(%zu)", 3 * len + 1);

    *n = 0;

    for (i = 0; i < len; i += c) {
        c = krj_fuzz_utf8_len((const unsigned char *) p + i, len - i);

        if (c == 0) {
            memcpy(e + *n, "\xef\xbf\xbd", 3);
            *n += 3;
            c = 1;
            continue;
        }

        memcpy(e + *n, p + i, c);
        *n += c;
    }

    return e;
}


static void
krj_fuzz_escape(const char *p, size_t len, const char *expect, size_t elen)
{
    char    *out, *quoted;
    size_t   i, n, m;
    json_t  *j;

    n = krj_json_escape(NULL, p, len);

    out = malloc(n ? n : 1);
    krj_fuzz_assert(out != NULL, "malloc(%zu)", n);

    m = krj_json_escape(out, p, len);
    krj_fuzz_assert(m == n, "measured %zu bytes, wrote %zu", n, m);

    krj_fuzz_assert(krj_fuzz_utf8_valid(out, n), "escaped text is not "
                    "valid UTF-8");

    for (i = 0; i < n; i++) {
        krj_fuzz_assert((unsigned char) out[i] >= 0x20, "control byte 0x%02x "
                        "at %zu", (unsigned char) out[i], i);
    }

    quoted = malloc(n + 2);
    krj_fuzz_assert(quoted != NULL, "malloc(%zu)", n + 2);

    quoted[0] = '"';
    memcpy(quoted + 1, out, n);
    quoted[n + 1] = '"';

    j = krj_fuzz_json(quoted, n + 2, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                      "escaped string");

    krj_fuzz_assert(json_is_string(j), "not a string");
    krj_fuzz_assert(json_string_length(j) == elen
                    && memcmp(json_string_value(j), expect, elen) == 0,
                    "decodes to %zu bytes, not the %zu expected",
                    json_string_length(j), elen);

    json_decref(j);
    free(quoted);
    free(out);
}


static void
krj_fuzz_formats(krj_fuzz_json_t *a, const char *expect, size_t elen)
{
    int      w, k, n;
    char    *body, text[48];
    size_t   len;
    json_t  *j, *v, *sub;

    static const char  *week[] = { NULL, "prior" };
    static const char  *kind[] = { "long", "neutral", "short" };

    /* an error as the module sends it: the message is the client's text */

    body = krj_fuzz_render(krj_fuzz_error, a, &len);
    j = krj_fuzz_json(body, len, JSON_ALLOW_NUL, "KRJ_FMT_ERROR");

    v = json_object_get(j, "error");
    krj_fuzz_assert(json_integer_value(json_object_get(v, "status"))
                    == a->status, "status");

    sub = json_object_get(v, "message");
    krj_fuzz_assert(json_string_length(sub) == elen
                    && memcmp(json_string_value(sub), expect, elen) == 0,
                    "message differs");

    json_decref(j);
    free(body);

    /* %d down to INT64_MIN */

    body = krj_fuzz_render(krj_fuzz_ready, a, &len);
    j = krj_fuzz_json(body, len, JSON_ALLOW_NUL, "KRJ_FMT_READY");

    krj_fuzz_assert(json_integer_value(json_object_get(j, "age")) == a->age,
                    "age %lld", (long long) a->age);
    krj_fuzz_assert(json_integer_value(json_object_get(j, "categories"))
                    == a->status, "categories");
    krj_fuzz_assert(json_integer_value(json_object_get(j, "format"))
                    == a->status, "format");
    sub = json_object_get(j, "writer");
    krj_fuzz_assert(json_string_length(sub) == elen
                    && memcmp(json_string_value(sub), expect, elen) == 0,
                    "writer differs");

    v = json_array_get(json_object_get(j, "signal_dates"), 0);
    sub = json_object_get(v, "category");
    krj_fuzz_assert(json_integer_value(json_object_get(v, "age")) == a->age
                    && json_string_length(sub) == elen
                    && memcmp(json_string_value(sub), expect, elen) == 0,
                    "signal_dates");

    json_decref(j);
    free(body);

    /* the counts and their deltas, which may be negative */

    body = krj_fuzz_render(krj_fuzz_summary, a, &len);
    j = krj_fuzz_json(body, len, 0, "KRJ_FMT_SUMMARY");

    for (w = 0; w < 2; w++) {
        for (k = 0; k < 3; k++) {
            sub = week[w] ? json_object_get(j, week[w]) : j;
            v = json_object_get(sub, kind[k]);

            krj_fuzz_assert(json_integer_value(v) == a->counts[w][k],
                            "%s %s", week[w] ? week[w] : "this", kind[k]);
        }
    }

    for (k = 0; k < 3; k++) {
        v = json_object_get(json_object_get(j, "delta"), kind[k]);
        krj_fuzz_assert(json_integer_value(v)
                        == (json_int_t) a->counts[0][k] - a->counts[1][k],
                        "delta %s", kind[k]);
    }

    json_decref(j);
    free(body);

    /* every conversion once, %% and %U among them */

    body = krj_fuzz_render(krj_fuzz_mixed, a, &len);
    j = krj_fuzz_json(body, len, JSON_ALLOW_NUL, "mixed format");

    krj_fuzz_assert(json_integer_value(json_object_get(j, "u"))
                    == (json_int_t) (a->age & INT64_MAX), "%%U");
    krj_fuzz_assert(strcmp(json_string_value(json_object_get(j, "pct")),
                           "100%") == 0, "%%%%");

    json_decref(j);
    free(body);

    /* the number writers alone, against libc */

    body = krj_fuzz_render(krj_fuzz_numbers, a, &len);
    n = snprintf(text, sizeof(text), "%lld %llu", (long long) a->age,
                 (unsigned long long) a->age);

    krj_fuzz_assert(len == (size_t) n && memcmp(body, text, len) == 0,
                    "%.*s is not %s", (int) len, body, text);

    free(body);
}


static void
krj_fuzz_error(krj_out_t *o, void *ctx)
{
    krj_fuzz_json_t  *a = ctx;

    krj_out_fmt(o, KRJ_FMT_ERROR, a->status, "bad_parameter", a->p, a->len);
}


static void
krj_fuzz_ready(krj_out_t *o, void *ctx)
{
    krj_fuzz_json_t  *a = ctx;

    krj_out_fmt(o, KRJ_FMT_READY, a->p, a->len, a->age, a->status, a->p,
                a->len, a->status);

    /* one category's signal date, named and dated by the client's text */
    krj_out_fmt(o, KRJ_FMT_READY_DATE, a->p, a->len, a->p, a->len, a->age);
    krj_out_str(o, KRJ_FMT_READY_END);
}


static void
krj_fuzz_summary(krj_out_t *o, void *ctx)
{
    krj_fuzz_json_t  *a = ctx;
    const uint32_t   *w, *p;

    w = a->counts[0];
    p = a->counts[1];

    krj_out_fmt(o, KRJ_FMT_SUMMARY, w[0] + w[1] + w[2], w[0], w[1], w[2],
                p[0], p[1], p[2], (int64_t) w[0] - p[0],
                (int64_t) w[1] - p[1], (int64_t) w[2] - p[2]);
}


static void
krj_fuzz_mixed(krj_out_t *o, void *ctx)
{
    krj_fuzz_json_t  *a = ctx;

    krj_out_fmt(o, "{\"s\":\"%s\",\"r\":%r,\"j\":\"%j\",\"u\":%U,"
                "\"pct\":\"100%%\"}", "text", "[]", (size_t) 2, a->p, a->len,
                (uint64_t) (a->age & INT64_MAX));
}


static void
krj_fuzz_numbers(krj_out_t *o, void *ctx)
{
    krj_fuzz_json_t  *a = ctx;

    krj_out_int(o, a->age);
    krj_out_byte(o, ' ');
    krj_out_uint(o, (uint64_t) a->age);
}


/*
 * The cut is at most max bytes, ends between characters (counting a byte
 * that starts no character as one), and one more character would not fit.
 */

static void
krj_fuzz_cut(const char *p, size_t len, size_t max)
{
    size_t  n, i, c;

    n = krj_utf8_cut(p, len, max);

    if (len <= max) {
        krj_fuzz_assert(n == len, "cut %zu of %zu under max %zu", n, len,
                        max);
        return;
    }

    krj_fuzz_assert(n <= max, "cut %zu over max %zu", n, max);

    for (i = 0; i < n; i += c) {
        c = krj_fuzz_utf8_len((const unsigned char *) p + i, len - i);
        c = c ? c : 1;
    }

    krj_fuzz_assert(i == n, "cut at %zu inside a character", n);

    c = krj_fuzz_utf8_len((const unsigned char *) p + n, len - n);
    c = c ? c : 1;

    krj_fuzz_assert(n + c > max, "cut at %zu, the next character fits in "
                    "%zu", n, max);
}


/* four input bytes at an offset, as far as there are */

static uint32_t
krj_fuzz_u32(const uint8_t *data, size_t size, size_t at)
{
    size_t    i;
    uint32_t  v;

    v = 0;

    for (i = at; i < at + 4; i++) {
        v = v << 8 | (i < size ? data[i] : 0);
    }

    return v;
}
