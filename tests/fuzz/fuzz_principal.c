
/*
 * Copyright (C) The krj developers
 */


/*
 * The key and user file grammar (krj_principal.h) over any file: split
 * into lines by krj-batch's own reader, each line copied into a buffer of
 * its exact length and parsed as a key line and as a user line.  A parsed
 * entry must be one that every validator of the grammar accepts again,
 * with its spans inside the line; a refused line must come with a reason.
 */


#include "krj_fuzz.h"
#include "krj_date.h"
#include "krj_pfile.h"
#include "krj_principal.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void krj_fuzz_key(const char *p, size_t len);
static void krj_fuzz_user(const char *p, size_t len);
static void krj_fuzz_span(krj_span_t s, const char *p, size_t len,
    const char *what);
static void krj_fuzz_reason(int rc, const char *err);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char         *line;
    size_t        lines;
    krj_pline_t   l;
    krj_pfile_t   pf;

    memset(&pf, 0, sizeof(krj_pfile_t));
    pf.data = (uint8_t *) data;
    pf.len = size;

    memset(&l, 0, sizeof(krj_pline_t));
    lines = 0;

    while (krj_pfile_next_line(&pf, &l)) {
        krj_fuzz_assert(l.start + l.len <= size && l.next <= size
                        && l.next > l.start, "line %u out of the file",
                        l.number);
        krj_fuzz_assert(memchr(data + l.start, '\n', l.len) == NULL,
                        "line %u holds a newline", l.number);

        lines++;
        line = (char *) krj_fuzz_copy(data + l.start, l.len);

        krj_fuzz_key(line, l.len);
        krj_fuzz_user(line, l.len);

        free(line);
    }

    krj_fuzz_assert(lines == l.number, "%zu lines, numbered to %u", lines,
                    l.number);

    return 0;
}


static void
krj_fuzz_key(const char *p, size_t len)
{
    int              rc;
    char             err[KRJ_PRINCIPAL_ERRLEN];
    krj_key_entry_t  e;

    err[0] = '\0';
    rc = krj_key_line_parse(p, len, &e, err);

    krj_fuzz_reason(rc, err);

    if (rc != KRJ_LINE_ENTRY) {
        return;
    }

    krj_fuzz_span(e.id, p, len, "id");
    krj_fuzz_span(e.digest, p, len, "digest");
    krj_fuzz_span(e.scopes, p, len, "scopes");

    if (e.options.len) {
        krj_fuzz_span(e.options, p, len, "options");
    }

    krj_fuzz_assert(e.id.data == p, "the id does not start the line");
    krj_fuzz_assert(krj_name_check(e.id.data, e.id.len, KRJ_NAME_KEY, err)
                    == 0, "id accepted, then refused: %s", err);
    krj_fuzz_assert(e.digest.len == KRJ_DIGEST_LEN
                    && memcmp(e.digest.data, KRJ_DIGEST_PREFIX,
                              sizeof(KRJ_DIGEST_PREFIX) - 1) == 0,
                    "digest of %zu bytes", e.digest.len);
    krj_fuzz_assert(krj_scopes_check(e.scopes.data, e.scopes.len, err) == 0,
                    "scopes accepted, then refused: %s", err);

    krj_fuzz_assert((e.rate == 0 && e.rate_unit == '\0')
                    || (e.rate <= KRJ_RATE_MAX
                        && (e.rate_unit == 's' || e.rate_unit == 'm')),
                    "rate %u%c", e.rate, e.rate_unit);

    krj_fuzz_assert(e.expires >= -1 && e.expires <= KRJ_DATE_MAX_DAYS,
                    "expires %ld", e.expires);
    krj_fuzz_assert(e.created >= -1 && e.created <= KRJ_DATE_MAX_DAYS,
                    "created %ld", e.created);
}


static void
krj_fuzz_user(const char *p, size_t len)
{
    int               rc;
    char              err[KRJ_PRINCIPAL_ERRLEN];
    size_t            i;
    krj_user_entry_t  e;

    err[0] = '\0';
    rc = krj_user_line_parse(p, len, &e, err);

    krj_fuzz_reason(rc, err);

    if (rc != KRJ_LINE_ENTRY) {
        return;
    }

    krj_fuzz_span(e.name, p, len, "name");
    krj_fuzz_span(e.hash, p, len, "hash");

    krj_fuzz_assert(e.name.data == p, "the name does not start the line");
    krj_fuzz_assert(krj_name_check(e.name.data, e.name.len, KRJ_NAME_USER,
                                   err) == 0,
                    "name accepted, then refused: %s", err);
    krj_fuzz_assert(e.scheme != NULL, "an entry without a scheme");

    /* the module hands the hash to crypt() as a C string */
    for (i = 0; i < e.hash.len; i++) {
        krj_fuzz_assert(e.hash.data[i] > ' ' && e.hash.data[i] != ':'
                        && (unsigned char) e.hash.data[i] < 0x7f,
                        "hash byte 0x%02x", (unsigned char) e.hash.data[i]);
    }

    if (e.scopes.len) {
        krj_fuzz_span(e.scopes, p, len, "scopes");
        krj_fuzz_assert(krj_scopes_check(e.scopes.data, e.scopes.len, err)
                        == 0, "scopes accepted, then refused: %s", err);
    }
}


static void
krj_fuzz_span(krj_span_t s, const char *p, size_t len, const char *what)
{
    krj_fuzz_assert(s.data != NULL && s.data >= p
                    && s.data + s.len <= p + len,
                    "%s is not inside the line", what);
}


/* KRJ_LINE_BAD says why, in a string that fits its buffer */

static void
krj_fuzz_reason(int rc, const char *err)
{
    krj_fuzz_assert(rc == KRJ_LINE_BAD || rc == KRJ_LINE_SKIP
                    || rc == KRJ_LINE_ENTRY, "returned %d", rc);

    if (rc == KRJ_LINE_BAD) {
        krj_fuzz_assert(err[0] != '\0'
                        && memchr(err, '\0', KRJ_PRINCIPAL_ERRLEN) != NULL,
                        "refused without a reason");
    }
}
