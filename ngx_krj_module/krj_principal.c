
/*
 * Copyright (C) The krj developers
 */


/*
 * The grammar of the key and user files, the one both programs use: what
 * krj-batch writes and lists is exactly what the module accepts, with the
 * same reason for every line it refuses.
 */


#include <stdio.h>
#include <string.h>

#include "krj_principal.h"


static int krj_options_parse(const char *p, size_t len, krj_key_entry_t *e,
    char *err);
static const char *krj_hash_scheme(const char *p, size_t len);
static int krj_span_is(const char *p, size_t len, const char *s);
static int krj_b64_chars(const char *p, size_t len);


int
krj_key_line_parse(const char *p, size_t len, krj_key_entry_t *e, char *err)
{
    size_t       i;
    const char  *end, *q, *hex;

    /* a CRLF file, as nginx's own htpasswd reader allows */
    if (len > 0 && p[len - 1] == '\r') {
        len--;
    }

    memset(e, 0, sizeof(krj_key_entry_t));
    e->expires = -1;
    e->created = -1;
    e->revoked = -1;

    e->id = krj_line_name(p, len);

    if (e->id.data == NULL) {
        return KRJ_LINE_SKIP;
    }

    end = p + len;

    if (e->id.data + e->id.len == end) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "expected id:digest:scopes");
        return KRJ_LINE_BAD;
    }

    if (krj_name_check(e->id.data, e->id.len, KRJ_NAME_KEY, err) != 0) {
        return KRJ_LINE_BAD;
    }

    /* the digest holds a ':' of its own, after "sha256" */
    q = e->id.data + e->id.len + 1;

    if ((size_t) (end - q) < sizeof(KRJ_DIGEST_PREFIX) - 1
        || memcmp(q, KRJ_DIGEST_PREFIX, sizeof(KRJ_DIGEST_PREFIX) - 1) != 0)
    {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN,
                 "digest does not start with \"" KRJ_DIGEST_PREFIX "\"");
        return KRJ_LINE_BAD;
    }

    hex = q + sizeof(KRJ_DIGEST_PREFIX) - 1;

    for (q = hex; q < end && *q != ':'; q++) {
        if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'))) {
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "digest is not lower-case "
                     "hex");
            return KRJ_LINE_BAD;
        }
    }

    if (q - hex != 64) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "digest has %zu hex digits, "
                 "not 64", (size_t) (q - hex));
        return KRJ_LINE_BAD;
    }

    e->digest.data = hex - (sizeof(KRJ_DIGEST_PREFIX) - 1);
    e->digest.len = KRJ_DIGEST_LEN;

    if (q == end) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "no scopes");
        return KRJ_LINE_BAD;
    }

    e->scopes.data = ++q;

    while (q < end && *q != ':') {
        q++;
    }

    e->scopes.len = q - e->scopes.data;

    if (krj_scopes_check(e->scopes.data, e->scopes.len, err) != 0) {
        return KRJ_LINE_BAD;
    }

    if (q == end) {
        return KRJ_LINE_ENTRY;
    }

    e->options.data = ++q;
    e->options.len = end - q;

    for (i = 0; i < e->options.len; i++) {
        if (q[i] == ':') {
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "too many fields");
            return KRJ_LINE_BAD;
        }
    }

    if (krj_options_parse(e->options.data, e->options.len, e, err) != 0) {
        return KRJ_LINE_BAD;
    }

    return KRJ_LINE_ENTRY;
}


/* "name=value,...": each of rate, expires, created, revoked at most once */
static int
krj_options_parse(const char *p, size_t len, krj_key_entry_t *e, char *err)
{
    size_t       n, nlen;
    const char  *end, *item, *eq, *v;

    end = p + len;

    /* an empty fourth field says the same as no fourth field */
    for (item = p; item < end; item = v + n + 1) {

        for (eq = item; eq < end && *eq != ',' && *eq != '='; eq++) {
            /* void */
        }

        if (eq == end || *eq != '=') {
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "option \"%.*s\" is not "
                     "name=value", (int) (eq - item), item);
            return -1;
        }

        nlen = eq - item;
        v = eq + 1;

        for (n = 0; v + n < end && v[n] != ','; n++) {
            /* void */
        }

        if (krj_span_is(item, nlen, "rate")) {
            if (e->rate != 0) {
                goto duplicate;
            }

            if (krj_rate_parse(v, n, &e->rate, &e->rate_unit, err) != 0) {
                return -1;
            }

        } else if (krj_span_is(item, nlen, "expires")) {
            if (e->expires != -1) {
                goto duplicate;
            }

            if (krj_date_parse(v, n, &e->expires, err) != 0) {
                return -1;
            }

        } else if (krj_span_is(item, nlen, "created")) {
            if (e->created != -1) {
                goto duplicate;
            }

            if (krj_date_parse(v, n, &e->created, err) != 0) {
                return -1;
            }

        } else if (krj_span_is(item, nlen, "revoked")) {
            if (e->revoked != -1) {
                goto duplicate;
            }

            if (krj_date_parse(v, n, &e->revoked, err) != 0) {
                return -1;
            }

        } else {
            /* a mistyped "expire=" must not leave a key valid for ever */
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "unknown option \"%.*s\"",
                     (int) nlen, item);
            return -1;
        }

        if (v + n == end) {
            break;
        }

        if (v + n + 1 == end) {
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "empty option");
            return -1;
        }
    }

    return 0;

duplicate:

    snprintf(err, KRJ_PRINCIPAL_ERRLEN, "option \"%.*s\" given twice",
             (int) nlen, item);

    return -1;
}


int
krj_user_line_parse(const char *p, size_t len, krj_user_entry_t *e,
    char *err)
{
    const char  *end, *q;

    /* a CRLF file, as nginx's own htpasswd reader allows */
    if (len > 0 && p[len - 1] == '\r') {
        len--;
    }

    memset(e, 0, sizeof(krj_user_entry_t));

    e->name = krj_line_name(p, len);

    if (e->name.data == NULL) {
        return KRJ_LINE_SKIP;
    }

    end = p + len;

    if (e->name.data + e->name.len == end) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "expected user:hash");
        return KRJ_LINE_BAD;
    }

    if (krj_name_check(e->name.data, e->name.len, KRJ_NAME_USER, err) != 0) {
        return KRJ_LINE_BAD;
    }

    e->hash.data = e->name.data + e->name.len + 1;

    for (q = e->hash.data; q < end && *q != ':'; q++) {
        /* void */
    }

    e->hash.len = q - e->hash.data;

    e->scheme = krj_hash_scheme(e->hash.data, e->hash.len);

    if (e->scheme == NULL) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "unknown or broken password "
                 "hash");
        return KRJ_LINE_BAD;
    }

    if (q == end) {
        return KRJ_LINE_ENTRY;
    }

    e->scopes.data = ++q;

    while (q < end && *q != ':') {
        q++;
    }

    e->scopes.len = q - e->scopes.data;

    if (q != end) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "too many fields");
        return KRJ_LINE_BAD;
    }

    /* "user:hash:" could mean no category or every one: refuse to guess */
    if (e->scopes.len == 0) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "empty scopes after ':'");
        return KRJ_LINE_BAD;
    }

    if (krj_scopes_check(e->scopes.data, e->scopes.len, err) != 0) {
        return KRJ_LINE_BAD;
    }

    return KRJ_LINE_ENTRY;
}


krj_span_t
krj_line_name(const char *p, size_t len)
{
    size_t      i;
    krj_span_t  s;

    s.data = NULL;
    s.len = 0;

    if (len > 0 && p[0] == '#') {
        return s;
    }

    for (i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
            break;
        }
    }

    if (i == len) {
        return s;
    }

    s.data = p;

    while (s.len < len && p[s.len] != ':') {
        s.len++;
    }

    return s;
}


int
krj_name_check(const char *p, size_t len, int kind, char *err)
{
    size_t          i;
    unsigned char   c;

    if (len == 0 || len > KRJ_NAME_MAX) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "%s must be 1 to %d characters",
                 kind == KRJ_NAME_KEY ? "key id" : "user name", KRJ_NAME_MAX);
        return -1;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
            || (c == '@' && kind == KRJ_NAME_USER))
        {
            continue;
        }

        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "%s \"%.*s\" has a character "
                 "other than %s", kind == KRJ_NAME_KEY ? "key id" : "user name",
                 (int) len, p, kind == KRJ_NAME_KEY ? "A-Z a-z 0-9 _ . -"
                                                    : "A-Z a-z 0-9 _ . - @");
        return -1;
    }

    return 0;
}


int
krj_scopes_check(const char *p, size_t len, char *err)
{
    size_t       n;
    const char  *end, *item, *q;

    end = p + len;

    if (len == 0) {
        snprintf(err, KRJ_PRINCIPAL_ERRLEN, "no scopes");
        return -1;
    }

    for (item = p; /* void */; item += n + 1) {

        for (n = 0; item + n < end && item[n] != ','; n++) {
            /* void */
        }

        if (n == 0) {
            snprintf(err, KRJ_PRINCIPAL_ERRLEN, "empty scope in \"%.*s\"",
                     (int) len, p);
            return -1;
        }

        /* "*", "metrics" and "admin" fit the slug pattern or are "*" */
        if (n == 1 && item[0] == '*') {
            if (item + n == end) {
                return 0;
            }

            continue;
        }

        for (q = item; q < item + n; q++) {
            if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')
                  || *q == '_'))
            {
                snprintf(err, KRJ_PRINCIPAL_ERRLEN, "scope \"%.*s\" is not "
                         "\"*\" or a category slug of a-z 0-9 _",
                         (int) n, item);
                return -1;
            }
        }

        if (item + n == end) {
            return 0;
        }
    }
}


int
krj_rate_parse(const char *p, size_t len, unsigned *rate, char *unit,
    char *err)
{
    size_t         i;
    unsigned long  n;

    n = 0;

    for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        n = n * 10 + (p[i] - '0');

        if (n > KRJ_RATE_MAX) {
            goto invalid;
        }
    }

    if (i == 0 || n == 0 || len - i != 3 || p[i] != 'r' || p[i + 1] != '/'
        || (p[i + 2] != 's' && p[i + 2] != 'm'))
    {
        goto invalid;
    }

    *rate = (unsigned) n;
    *unit = p[i + 2];

    return 0;

invalid:

    snprintf(err, KRJ_PRINCIPAL_ERRLEN, "rate \"%.*s\" is not Nr/s or Nr/m "
             "with N from 1 to %d", (int) len, p, KRJ_RATE_MAX);

    return -1;
}


/* the scheme's name, or NULL when the hash is not one a reader accepts */
static const char *
krj_hash_scheme(const char *p, size_t len)
{
    size_t       i;
    const char  *q;

    for (i = 0; i < len; i++) {
        if ((unsigned char) p[i] <= ' ' || (unsigned char) p[i] >= 0x7f) {
            return NULL;
        }
    }

    /* $2b$NN$ and 53 characters of salt and hash */
    if (len == 60 && p[0] == '$' && p[1] == '2'
        && (p[2] == 'a' || p[2] == 'b' || p[2] == 'y') && p[3] == '$'
        && p[4] >= '0' && p[4] <= '3' && p[5] >= '0' && p[5] <= '9'
        && p[6] == '$' && krj_b64_chars(p + 7, 53))
    {
        return "bcrypt";
    }

    if (len >= 4 && p[0] == '$' && p[1] == '2') {
        return NULL;
    }

    if (len > 3 && memcmp(p, "$6$", 3) == 0) {
        return "sha512-crypt";
    }

    if (len > 3 && memcmp(p, "$5$", 3) == 0) {
        return "sha256-crypt";
    }

    if (len > 6 && memcmp(p, "$apr1$", 6) == 0) {
        return "apr1";
    }

    if (len > 3 && memcmp(p, "$1$", 3) == 0) {
        return "md5-crypt";
    }

    if (len > 3 && memcmp(p, "$y$", 3) == 0) {
        return "yescrypt";
    }

    if (len == 5 + 28 && memcmp(p, "{SHA}", 5) == 0) {
        return "sha1";
    }

    if (len > 6 && memcmp(p, "{SSHA}", 6) == 0) {
        return "ssha";
    }

    if (len > 7 && memcmp(p, "{PLAIN}", 7) == 0) {
        return "plain";
    }

    /* other $id$ schemes of the system's crypt */
    if (len > 3 && p[0] == '$') {
        for (q = p + 1; q < p + len && *q != '$'; q++) {
            if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))) {
                return NULL;
            }
        }

        return (q > p + 1 && q < p + len - 1) ? "crypt" : NULL;
    }

    if (len == 13 && krj_b64_chars(p, 13)) {
        return "des-crypt";
    }

    return NULL;
}


static int
krj_span_is(const char *p, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(p, s, len) == 0;
}


/* crypt's own base64 alphabet: ./0-9A-Za-z */
static int
krj_b64_chars(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '/'))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * Rough work of one verification, in microseconds on a current x86 core,
 * to rank the entries of a file: only the order matters.  bcrypt doubles
 * per cost step; the SHA-crypt schemes are linear in their rounds.
 */
unsigned long
krj_hash_cost(const char *p, size_t len)
{
    unsigned long  rounds;
    const char    *q, *end;

    end = p + len;

    if (len == 60 && p[0] == '$' && p[1] == '2') {
        return 78ul << ((p[4] - '0') * 10 + (p[5] - '0'));
    }

    if (len > 3 && p[0] == '$' && (p[1] == '5' || p[1] == '6')
        && p[2] == '$')
    {
        rounds = 5000;

        if ((size_t) (end - p) > 10 && memcmp(p + 3, "rounds=", 7) == 0) {
            rounds = 0;

            for (q = p + 10; q < end && *q >= '0' && *q <= '9'; q++) {
                if (rounds < 1000000000) {
                    rounds = rounds * 10 + (*q - '0');
                }
            }
        }

        return rounds * (p[1] == '6' ? 6 : 4) / 5;
    }

    if (len > 6 && memcmp(p, "$apr1$", 6) == 0) {
        return 300;
    }

    if (len > 3 && memcmp(p, "$1$", 3) == 0) {
        return 300;
    }

    if (len > 0 && p[0] == '{') {
        return 1;
    }

    if (len == 13) {
        return 25;
    }

    /* yescrypt and the other $id$ schemes: assume a modern, slow one */
    return 50000;
}
