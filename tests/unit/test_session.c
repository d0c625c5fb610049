
/*
 * Copyright (C) The krj developers
 */


/*
 * krj_session.c: the cookie codec, checked against the layout the README
 * documents with OpenSSL's own base64 and HMAC (not the codec's), every
 * refusal at its boundary, and the login form's checks: the same origin
 * and the local next.
 */


#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "krj_test.h"
#include "krj_session.h"


#define NOW       1767960000            /* 2026-01-09T12:00:00Z */
#define HASH      "$6$salt$abcdefghijklmnopqrstuvwxyz"
#define RAW_MAX   (KRJ_SESSION_RAW_MAX + 8)


static krj_session_key_t  keys[2];


static void
setup(void)
{
    int            i;
    unsigned char  bytes[KRJ_SESSION_KEY_LEN];

    for (i = 0; i < KRJ_SESSION_KEY_LEN; i++) {
        bytes[i] = (unsigned char) i;
    }

    ck_assert_int_eq(krj_session_key_init(&keys[0], bytes), 0);

    for (i = 0; i < KRJ_SESSION_KEY_LEN; i++) {
        bytes[i] = (unsigned char) (0xa0 + i);
    }

    ck_assert_int_eq(krj_session_key_init(&keys[1], bytes), 0);
}


static void
session(krj_session_t *s, const char *name, int64_t issued, int64_t expires)
{
    memset(s, 0, sizeof(krj_session_t));

    s->issued = issued;
    s->expires = expires;
    s->name_len = strlen(name);
    memcpy(s->name, name, s->name_len);

    ck_assert_int_eq(krj_session_fingerprint(&keys[0], HASH, strlen(HASH),
                                             s->fingerprint), 0);
}


/* base64url without padding, by OpenSSL's encoder */

static size_t
b64url(char *dst, const unsigned char *src, size_t len)
{
    int     n;
    char    buf[RAW_MAX * 2];
    size_t  i, out;

    n = EVP_EncodeBlock((unsigned char *) buf, src, (int) len);

    for (i = 0, out = 0; i < (size_t) n; i++) {
        if (buf[i] == '=') {
            break;
        }

        dst[out++] = buf[i] == '+' ? '-' : buf[i] == '/' ? '_' : buf[i];
    }

    return out;
}


static size_t
unb64url(unsigned char *dst, const char *src, size_t len)
{
    int     n;
    char    buf[RAW_MAX * 2];
    size_t  i, pad;

    for (i = 0; i < len; i++) {
        buf[i] = src[i] == '-' ? '+' : src[i] == '_' ? '/' : src[i];
    }

    pad = (4 - len % 4) % 4;
    memset(buf + len, '=', pad);

    n = EVP_DecodeBlock(dst, (unsigned char *) buf, (int) (len + pad));
    ck_assert_int_ge(n, 0);

    return (size_t) n - pad;
}


static void
hmac(const krj_session_key_t *k, const unsigned char *data, size_t len,
    unsigned char *mac)
{
    unsigned int  mlen;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), k->key, KRJ_SESSION_KEY_LEN,
                               data, len, mac, &mlen));
    ck_assert_uint_eq(mlen, 32);
}


static uint64_t
be64(const unsigned char *p)
{
    int       i;
    uint64_t  v;

    for (v = 0, i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }

    return v;
}


/* raw session bytes of our own making, signed with k */

static size_t
forge(char *out, const krj_session_key_t *k, unsigned version,
    const char *name, int64_t issued, int64_t expires)
{
    int            i;
    size_t         n, len;
    unsigned char  raw[RAW_MAX];

    raw[0] = (unsigned char) version;
    memcpy(raw + 1, k->id, 4);

    for (i = 0; i < 8; i++) {
        raw[5 + i] = (unsigned char) ((uint64_t) issued >> (56 - 8 * i));
        raw[13 + i] = (unsigned char) ((uint64_t) expires >> (56 - 8 * i));
    }

    memset(raw + 21, 0x5a, 16);
    n = strlen(name);
    raw[37] = (unsigned char) n;
    memcpy(raw + 38, name, n);
    len = 38 + n;
    hmac(k, raw, len, raw + len);

    return b64url(out, raw, len + 32);
}


START_TEST(test_key_id)
{
    unsigned int   len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    ck_assert_int_eq(EVP_Digest(keys[0].key, 32, md, &len, EVP_sha256(),
                                NULL), 1);
    ck_assert_mem_eq(keys[0].id, md, 4);
    ck_assert_int_ne(memcmp(keys[0].id, keys[1].id, 4), 0);
}
END_TEST


START_TEST(test_layout)
{
    size_t         len, n;
    krj_session_t  s;
    char           cookie[KRJ_SESSION_COOKIE_MAX];
    unsigned char  raw[RAW_MAX], mac[32];

    session(&s, "alice@example.org", NOW, NOW + 43200);

    len = krj_session_encode(&keys[0], &s, cookie);
    ck_assert_uint_gt(len, 0);

    /* base64url, no padding */
    ck_assert_ptr_null(memchr(cookie, '=', len));
    ck_assert_ptr_null(memchr(cookie, '+', len));
    ck_assert_ptr_null(memchr(cookie, '/', len));

    n = unb64url(raw, cookie, len);
    ck_assert_uint_eq(n, KRJ_SESSION_FIXED + 17);
    ck_assert_uint_eq(len, (n * 4 + 2) / 3);

    ck_assert_uint_eq(raw[0], 1);
    ck_assert_mem_eq(raw + 1, keys[0].id, 4);
    ck_assert_uint_eq(be64(raw + 5), NOW);
    ck_assert_uint_eq(be64(raw + 13), NOW + 43200);

    hmac(&keys[0], (const unsigned char *) HASH, strlen(HASH), mac);
    ck_assert_mem_eq(raw + 21, mac, 16);

    ck_assert_uint_eq(raw[37], 17);
    ck_assert_mem_eq(raw + 38, "alice@example.org", 17);

    hmac(&keys[0], raw, n - 32, mac);
    ck_assert_mem_eq(raw + n - 32, mac, 32);
}
END_TEST


START_TEST(test_round_trip)
{
    size_t         len;
    krj_session_t  s, d;
    char           cookie[KRJ_SESSION_COOKIE_MAX];
    char           name[KRJ_NAME_MAX + 1];

    memset(name, 'n', KRJ_NAME_MAX);
    name[KRJ_NAME_MAX] = '\0';

    /* the longest name makes the longest cookie */
    session(&s, name, NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);
    ck_assert_uint_eq(len, KRJ_SESSION_COOKIE_MAX);

    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 43200,
                                        &d), KRJ_SESSION_OK);
    ck_assert_uint_eq(d.name_len, KRJ_NAME_MAX);
    ck_assert_mem_eq(d.name, name, KRJ_NAME_MAX);
    ck_assert_int_eq(d.issued, NOW);
    ck_assert_int_eq(d.expires, NOW + 60);
    ck_assert_mem_eq(d.fingerprint, s.fingerprint, KRJ_SESSION_FP_LEN);
    ck_assert_uint_eq(d.key, 0);

    /* a second key verifies what it signed, and says which one it was */
    session(&s, "b", NOW, NOW + 60);
    len = krj_session_encode(&keys[1], &s, cookie);
    ck_assert_int_eq(krj_session_decode(keys, 2, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);
    ck_assert_uint_eq(d.key, 1);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_UNKNOWN_KEY);

    /* no name, or one too long, is no session */
    s.name_len = 0;
    ck_assert_uint_eq(krj_session_encode(&keys[0], &s, cookie), 0);
    s.name_len = KRJ_NAME_MAX + 1;
    ck_assert_uint_eq(krj_session_encode(&keys[0], &s, cookie), 0);
}
END_TEST


START_TEST(test_base64)
{
    size_t         len;
    krj_session_t  s, d;
    char           cookie[KRJ_SESSION_COOKIE_MAX + 8];

    /* 75 bytes: 100 characters, no partial group */
    session(&s, "alice", NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);
    ck_assert_uint_eq(len, 100);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);

    /* one character of a group holds no byte */
    cookie[len] = 'A';
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len + 1, NOW, 0,
                                        &d), KRJ_SESSION_BAD_BASE64);

    /* base64's own characters, and any other, are not base64url's */
    cookie[10] = '+';
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_BASE64);
    cookie[10] = '!';
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_BASE64);

    /* 76 bytes: two characters of a last group; padding is refused */
    session(&s, "alice2", NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);
    ck_assert_uint_eq(len, 102);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);

    memcpy(cookie + len, "==", 2);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len + 2, NOW, 0,
                                        &d), KRJ_SESSION_BAD_BASE64);
}
END_TEST


START_TEST(test_noncanonical)
{
    size_t         len;
    krj_session_t  s, d;
    char           cookie[KRJ_SESSION_COOKIE_MAX];

    /*
     * 76 bytes: the last character carries 2 bits of the last byte and 4
     * that must be zero; one more sets the lowest of them
     */
    session(&s, "alice2", NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);

    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);

    if (cookie[len - 1] >= 'A' && cookie[len - 1] < 'Z') {
        cookie[len - 1]++;
    } else {
        cookie[len - 1] = 'B';
    }

    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_BASE64);
}
END_TEST


START_TEST(test_length)
{
    size_t         len;
    krj_session_t  s, d;
    char           cookie[KRJ_SESSION_COOKIE_MAX + 8];
    unsigned char  raw[RAW_MAX];

    session(&s, "alice", NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);

    /* cut by a whole group: valid base64url, the name length disagrees */
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len - 4, NOW, 0,
                                        &d), KRJ_SESSION_BAD_LENGTH);

    /* longer than any cookie krj makes */
    memset(raw, 0, sizeof(raw));
    len = b64url(cookie, raw, KRJ_SESSION_RAW_MAX + 1);
    ck_assert_uint_gt(len, KRJ_SESSION_COOKIE_MAX);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_LENGTH);

    /* shorter than a session with a one-byte name */
    len = b64url(cookie, raw, KRJ_SESSION_FIXED);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_LENGTH);

    ck_assert_int_eq(krj_session_decode(keys, 1, "", 0, NOW, 0, &d),
                     KRJ_SESSION_BAD_LENGTH);
}
END_TEST


START_TEST(test_version_key_mac)
{
    size_t             i, len, n;
    krj_session_t      d;
    krj_session_key_t  stranger;
    char               cookie[KRJ_SESSION_COOKIE_MAX + 8];
    unsigned char      raw[RAW_MAX];
    unsigned char      bytes[KRJ_SESSION_KEY_LEN];

    len = forge(cookie, &keys[0], 1, "alice", NOW, NOW + 60);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);

    /* another version, though signed */
    len = forge(cookie, &keys[0], 2, "alice", NOW, NOW + 60);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_VERSION);

    /* a key nobody configured */
    memset(bytes, 0x77, sizeof(bytes));
    ck_assert_int_eq(krj_session_key_init(&stranger, bytes), 0);
    len = forge(cookie, &stranger, 1, "alice", NOW, NOW + 60);
    ck_assert_int_eq(krj_session_decode(keys, 2, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_UNKNOWN_KEY);

    /* every byte before the MAC is under it, the MAC itself too */
    len = forge(cookie, &keys[0], 1, "alice", NOW, NOW + 60);
    n = unb64url(raw, cookie, len);

    for (i = 5; i < n; i++) {
        raw[i] ^= 0x01;
        len = b64url(cookie, raw, n);
        ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0,
                                            &d),
                         i == 37 ? KRJ_SESSION_BAD_LENGTH
                                 : KRJ_SESSION_BAD_MAC);
        raw[i] ^= 0x01;
    }

    /* the key id of one key, the MAC of another */
    memcpy(raw + 1, keys[1].id, 4);
    len = b64url(cookie, raw, n);
    ck_assert_int_eq(krj_session_decode(keys, 2, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_BAD_MAC);
}
END_TEST


START_TEST(test_times)
{
    size_t         len;
    krj_session_t  d;
    char           cookie[KRJ_SESSION_COOKIE_MAX];

    len = forge(cookie, &keys[0], 1, "alice", NOW, NOW + 100);

    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW + 99, 0,
                                        &d), KRJ_SESSION_OK);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW + 100, 0,
                                        &d), KRJ_SESSION_EXPIRED);

    /* a krj_session_time shorter than the cookie's own: the shorter */
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW + 49, 50,
                                        &d), KRJ_SESSION_OK);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW + 50, 50,
                                        &d), KRJ_SESSION_EXPIRED);

    /* a clock a minute ahead is a clock; more is a cookie from nowhere */
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len,
                                        NOW - KRJ_SESSION_SKEW, 0, &d),
                     KRJ_SESSION_OK);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len,
                                        NOW - KRJ_SESSION_SKEW - 1, 0, &d),
                     KRJ_SESSION_FUTURE);

    /* an expiry before the issue: expired */
    len = forge(cookie, &keys[0], 1, "alice", NOW, NOW - 1);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW - 2, 0,
                                        &d), KRJ_SESSION_OK);
    ck_assert_int_eq(krj_session_decode(keys, 1, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_EXPIRED);
}
END_TEST


START_TEST(test_check_user)
{
    size_t         len;
    krj_session_t  s, d;
    char           cookie[KRJ_SESSION_COOKIE_MAX];

    session(&s, "alice", NOW, NOW + 60);
    len = krj_session_encode(&keys[0], &s, cookie);
    ck_assert_int_eq(krj_session_decode(keys, 2, cookie, len, NOW, 0, &d),
                     KRJ_SESSION_OK);

    ck_assert_int_eq(krj_session_check_user(keys, &d, HASH, strlen(HASH)),
                     KRJ_SESSION_OK);
    ck_assert_int_eq(krj_session_check_user(keys, &d, HASH "x",
                                            strlen(HASH) + 1),
                     KRJ_SESSION_CHANGED);
    ck_assert_int_eq(krj_session_check_user(keys, &d, HASH,
                                            strlen(HASH) - 1),
                     KRJ_SESSION_CHANGED);

    /* the fingerprint is the key's: under another key it is another */
    d.key = 1;
    ck_assert_int_eq(krj_session_check_user(keys, &d, HASH, strlen(HASH)),
                     KRJ_SESSION_CHANGED);
}
END_TEST


START_TEST(test_reasons)
{
    int          i, j;
    const char  *r[KRJ_SESSION_ERROR + 1];

    for (i = 0; i <= KRJ_SESSION_ERROR; i++) {
        r[i] = krj_session_reason(i);
        ck_assert_str_ne(r[i], "?");

        for (j = 0; j < i; j++) {
            ck_assert_str_ne(r[i], r[j]);
        }
    }

    ck_assert_str_eq(krj_session_reason(KRJ_SESSION_BAD_MAC), "bad MAC");
    ck_assert_str_eq(krj_session_reason(KRJ_SESSION_ERROR + 1), "?");
    ck_assert_str_eq(krj_session_reason(-1), "?");
}
END_TEST


typedef struct {
    const char  *url;
    int          referer;
    int          https;
    const char  *host;
    int          same;
} origin_case_t;


START_TEST(test_same_origin)
{
    size_t               i;
    const origin_case_t  *c;

    static const origin_case_t  cases[] = {
        { "https://krj.example.com", 0, 1, "krj.example.com", 1 },
        { "https://KRJ.example.com", 0, 1, "krj.Example.com", 1 },
        { "https://krj.example.com:443", 0, 1, "krj.example.com", 1 },
        { "https://krj.example.com", 0, 1, "krj.example.com:443", 1 },
        { "https://127.0.0.1:8443", 0, 1, "127.0.0.1:8443", 1 },
        { "http://127.0.0.1:8080", 0, 0, "127.0.0.1:8080", 1 },
        { "http://h", 0, 0, "h:80", 1 },
        { "https://[::1]:8443", 0, 1, "[::1]:8443", 1 },

        /* another scheme, host or port */
        { "http://krj.example.com", 0, 1, "krj.example.com", 0 },
        { "https://krj.example.com", 0, 0, "krj.example.com", 0 },
        { "https://evil.example.com", 0, 1, "krj.example.com", 0 },
        { "https://krj.example.com.evil", 0, 1, "krj.example.com", 0 },
        { "https://krj.example.co", 0, 1, "krj.example.com", 0 },
        { "https://127.0.0.1:8444", 0, 1, "127.0.0.1:8443", 0 },
        { "https://127.0.0.1", 0, 1, "127.0.0.1:8443", 0 },
        { "https://krj.example.com:80", 0, 1, "krj.example.com", 0 },

        /* not an origin */
        { "null", 0, 1, "krj.example.com", 0 },
        { "", 0, 1, "krj.example.com", 0 },
        { "https://", 0, 1, "", 0 },
        { "https://krj.example.com/", 0, 1, "krj.example.com", 0 },
        { "https://user@krj.example.com", 0, 1, "krj.example.com", 0 },
        { "https://evil@krj.example.com/", 1, 1, "krj.example.com", 0 },
        { "https://krj.example.com\\@evil", 1, 1, "krj.example.com", 0 },
        { "//krj.example.com", 1, 1, "krj.example.com", 0 },
        { "https://krj.example.com", 0, 1, "", 0 },

        /* a Referer has a path, a query or a fragment after the host */
        { "https://krj.example.com/krj/login?next=/krj", 1, 1,
          "krj.example.com", 1 },
        { "https://krj.example.com?x", 1, 1, "krj.example.com", 1 },
        { "https://krj.example.com#x", 1, 1, "krj.example.com", 1 },
        { "https://krj.example.com:443/krj", 1, 1, "krj.example.com", 1 },
        { "https://krj.example.com.evil/krj", 1, 1, "krj.example.com", 0 },
        { "https://evil.example/https://krj.example.com/", 1, 1,
          "krj.example.com", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c = &cases[i];
        ck_assert_msg(krj_session_same_origin(c->url, strlen(c->url),
                                              c->referer, c->https, c->host,
                                              strlen(c->host))
                      == c->same, "%s %s against %s", c->referer ? "Referer"
                                                                : "Origin",
                      c->url, c->host);
    }
}
END_TEST


typedef struct {
    const char  *next;
    const char  *prefix;
    int          local;
} next_case_t;


START_TEST(test_local_next)
{
    size_t              i;
    char                longest[KRJ_SESSION_NEXT_MAX + 2];
    const next_case_t  *c;

    static const next_case_t  cases[] = {
        { "/krj", "/krj", 1 },
        { "/krj/", "/krj", 1 },
        { "/krj/sp500", "/krj", 1 },
        { "/krj/sp500?signal=Long,Short&sort=-ticker", "/krj", 1 },
        { "/krj?sort=x", "/krj", 1 },
        { "/krj/print?groups=sp500%2Csp100&ls=1", "/krj", 1 },
        { "/krj/a.b/c..d/...", "/krj", 1 },
        { "/krj/sp500?next=a/../b", "/krj", 1 },
        { "/", "", 1 },
        { "/sp500", "", 1 },

        /* not under the prefix */
        { "", "/krj", 0 },
        { "", "", 0 },
        { "/krjx", "/krj", 0 },
        { "/kr", "/krj", 0 },
        { "/api/v1/categories", "/krj", 0 },
        { "krj/sp500", "/krj", 0 },
        { "/KRJ/sp500", "/krj", 0 },

        /* elsewhere */
        { "//evil.example/", "", 0 },
        { "//evil.example/", "/krj", 0 },
        { "/krj//evil.example", "/krj", 0 },
        { "https://evil.example/krj/", "/krj", 0 },
        { "javascript:alert(1)", "/krj", 0 },
        { "/\\evil.example", "", 0 },
        { "/krj/\\evil", "/krj", 0 },
        { "/krj/../api/v1/", "/krj", 0 },
        { "/krj/./sp500", "/krj", 0 },
        { "/krj/..", "/krj", 0 },
        { "/krj/.", "/krj", 0 },
        { "/krj/..?x", "/krj", 0 },
        { "/krj/sp500 x", "/krj", 0 },
        { "/krj/\r\nSet-Cookie:x", "/krj", 0 },
        { "/krj/\x7f", "/krj", 0 },
        { "/krj/\xc3\xa9", "/krj", 0 },

        /* the same after one percent-decoding */
        { "/krj/%2e%2e/api", "/krj", 0 },
        { "/krj/%2E./api", "/krj", 0 },
        { "/krj/%2F%2Fevil", "/krj", 0 },
        { "/krj%2F/evil", "/krj", 0 },
        { "/krj/%5Cevil", "/krj", 0 },
        { "/krj/%0d%0aX:1", "/krj", 0 },
        { "/krj/%00", "/krj", 0 },
        { "/krj/%20", "/krj", 0 },
        { "/krj/%", "/krj", 0 },
        { "/krj/%4", "/krj", 0 },
        { "/krj/%zz", "/krj", 0 },
        { "%2Fkrj/sp500", "/krj", 0 },
        { "/krj%3Fx", "/krj", 0 },
        { "/krj%2Ex", "/krj", 0 },
        { "/krj/%252F%252F", "/krj", 1 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c = &cases[i];
        ck_assert_msg(krj_session_local_next(c->next, strlen(c->next),
                                             c->prefix, strlen(c->prefix))
                      == c->local, "next \"%s\" under \"%s\"", c->next,
                      c->prefix);
    }

    longest[0] = '/';
    memset(longest + 1, 'a', sizeof(longest) - 1);

    ck_assert_int_eq(krj_session_local_next(longest, KRJ_SESSION_NEXT_MAX,
                                            "", 0), 1);
    ck_assert_int_eq(krj_session_local_next(longest,
                                            KRJ_SESSION_NEXT_MAX + 1, "", 0),
                     0);
}
END_TEST


START_TEST(test_escape_next)
{
    size_t       n;
    char         buf[256];
    const char  *src;

    src = "/krj/sp500?signal=Long,Short&sort=-ticker";
    n = krj_session_escape_next(NULL, src, strlen(src));
    ck_assert_uint_eq(krj_session_escape_next(buf, src, strlen(src)), n);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "/krj/sp500%3Fsignal%3DLong%2CShort%26sort%3D-"
                          "ticker");

    src = "/a b%2F\xc3\xa9~._-/";
    n = krj_session_escape_next(buf, src, strlen(src));
    buf[n] = '\0';
    ck_assert_str_eq(buf, "/a%20b%252F%C3%A9~._-/");

    /* what it writes, decoded once, is a local next again */
    src = "/krj/sp500?ticker=A,B";
    n = krj_session_escape_next(buf, src, strlen(src));
    ck_assert_int_eq(krj_session_local_next(buf, n, "/krj", 4), 1);

    ck_assert_uint_eq(krj_session_escape_next(NULL, "", 0), 0);
}
END_TEST


static Suite *
session_suite(void)
{
    TCase  *tc;
    Suite  *s;

    s = suite_create("session");

    tc = tcase_create("cookie");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_key_id);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_base64);
    tcase_add_test(tc, test_noncanonical);
    tcase_add_test(tc, test_length);
    tcase_add_test(tc, test_version_key_mac);
    tcase_add_test(tc, test_times);
    tcase_add_test(tc, test_check_user);
    tcase_add_test(tc, test_reasons);
    suite_add_tcase(s, tc);

    tc = tcase_create("login form");
    tcase_add_test(tc, test_same_origin);
    tcase_add_test(tc, test_local_next);
    tcase_add_test(tc, test_escape_next);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(session_suite)
