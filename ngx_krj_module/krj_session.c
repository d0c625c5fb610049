
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "krj_session.h"
#include "krj_str.h"


/* where the fields are in the decoded bytes */
#define KRJ_SESSION_AT_ID       1
#define KRJ_SESSION_AT_ISSUED   (KRJ_SESSION_AT_ID + KRJ_SESSION_ID_LEN)
#define KRJ_SESSION_AT_EXPIRES  (KRJ_SESSION_AT_ISSUED + 8)
#define KRJ_SESSION_AT_FP       (KRJ_SESSION_AT_EXPIRES + 8)
#define KRJ_SESSION_AT_NAME_LEN (KRJ_SESSION_AT_FP + KRJ_SESSION_FP_LEN)
#define KRJ_SESSION_AT_NAME     (KRJ_SESSION_AT_NAME_LEN + 1)


static size_t krj_session_base64url(char *dst, const unsigned char *src,
    size_t len);
static int krj_session_unbase64url(unsigned char *dst, size_t size,
    const char *src, size_t len, size_t *n);
static int krj_session_value(char c);
static void krj_session_put64(unsigned char *p, int64_t v);
static int64_t krj_session_get64(const unsigned char *p);
static int krj_session_mac(const krj_session_key_t *k,
    const unsigned char *data, size_t len, unsigned char *mac);
static int krj_session_path_ok(const char *p, size_t len, const char *prefix,
    size_t plen);
static size_t krj_session_authority(const char *url, size_t len,
    int referer, int https, const char **host);
static size_t krj_session_host_len(const char *host, size_t len, int https);
static int krj_session_hex(char c);


static const char  krj_session_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static const char  *krj_session_reasons[] = {
    "valid",
    "not base64url",
    "wrong length",
    "unknown version",
    "unknown key id",
    "bad MAC",
    "expired",
    "issued in the future",
    "unknown user",
    "the user's password changed",
    "two session cookies",
    "libcrypto failed"
};


int
krj_session_key_init(krj_session_key_t *k, const unsigned char *bytes)
{
    unsigned int   len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    memcpy(k->key, bytes, KRJ_SESSION_KEY_LEN);

    if (EVP_Digest(k->key, KRJ_SESSION_KEY_LEN, md, &len, EVP_sha256(), NULL)
        != 1)
    {
        return -1;
    }

    memcpy(k->id, md, KRJ_SESSION_ID_LEN);

    return 0;
}


int
krj_session_fingerprint(const krj_session_key_t *k, const char *hash,
    size_t len, unsigned char *fp)
{
    unsigned char  mac[KRJ_SESSION_MAC_LEN];

    if (krj_session_mac(k, (const unsigned char *) hash, len, mac) != 0) {
        return -1;
    }

    memcpy(fp, mac, KRJ_SESSION_FP_LEN);

    return 0;
}


size_t
krj_session_encode(const krj_session_key_t *k, const krj_session_t *s,
    char *out)
{
    size_t         len;
    unsigned char  raw[KRJ_SESSION_RAW_MAX];

    if (s->name_len == 0 || s->name_len > KRJ_NAME_MAX) {
        return 0;
    }

    raw[0] = KRJ_SESSION_VERSION;
    memcpy(&raw[KRJ_SESSION_AT_ID], k->id, KRJ_SESSION_ID_LEN);
    krj_session_put64(&raw[KRJ_SESSION_AT_ISSUED], s->issued);
    krj_session_put64(&raw[KRJ_SESSION_AT_EXPIRES], s->expires);
    memcpy(&raw[KRJ_SESSION_AT_FP], s->fingerprint, KRJ_SESSION_FP_LEN);
    raw[KRJ_SESSION_AT_NAME_LEN] = (unsigned char) s->name_len;
    memcpy(&raw[KRJ_SESSION_AT_NAME], s->name, s->name_len);

    len = KRJ_SESSION_AT_NAME + s->name_len;

    if (krj_session_mac(k, raw, len, &raw[len]) != 0) {
        return 0;
    }

    return krj_session_base64url(out, raw, len + KRJ_SESSION_MAC_LEN);
}


/*
 * Nothing of the cookie is believed before its MAC is: the checks before
 * it only find the key, and they say no more than a client can see.
 */

int
krj_session_decode(const krj_session_key_t *keys, size_t n, const char *in,
    size_t len, int64_t now, int64_t max_time, krj_session_t *s)
{
    size_t         i, raw_len, body;
    unsigned char  mac[KRJ_SESSION_MAC_LEN];
    unsigned char  raw[KRJ_SESSION_RAW_MAX];

    memset(s, 0, sizeof(krj_session_t));

    if (len > KRJ_SESSION_COOKIE_MAX) {
        return KRJ_SESSION_BAD_LENGTH;
    }

    if (krj_session_unbase64url(raw, sizeof(raw), in, len, &raw_len) != 0) {
        return KRJ_SESSION_BAD_BASE64;
    }

    if (raw_len < KRJ_SESSION_FIXED + 1) {
        return KRJ_SESSION_BAD_LENGTH;
    }

    if (raw[0] != KRJ_SESSION_VERSION) {
        return KRJ_SESSION_BAD_VERSION;
    }

    s->name_len = raw[KRJ_SESSION_AT_NAME_LEN];

    if (s->name_len == 0 || s->name_len > KRJ_NAME_MAX
        || raw_len != KRJ_SESSION_FIXED + s->name_len)
    {
        return KRJ_SESSION_BAD_LENGTH;
    }

    for (i = 0; i < n; i++) {
        if (memcmp(keys[i].id, &raw[KRJ_SESSION_AT_ID], KRJ_SESSION_ID_LEN)
            == 0)
        {
            break;
        }
    }

    if (i == n) {
        return KRJ_SESSION_UNKNOWN_KEY;
    }

    body = raw_len - KRJ_SESSION_MAC_LEN;

    if (krj_session_mac(&keys[i], raw, body, mac) != 0) {
        return KRJ_SESSION_ERROR;
    }

    if (CRYPTO_memcmp(mac, &raw[body], KRJ_SESSION_MAC_LEN) != 0) {
        return KRJ_SESSION_BAD_MAC;
    }

    s->key = i;
    s->issued = krj_session_get64(&raw[KRJ_SESSION_AT_ISSUED]);
    s->expires = krj_session_get64(&raw[KRJ_SESSION_AT_EXPIRES]);
    memcpy(s->fingerprint, &raw[KRJ_SESSION_AT_FP], KRJ_SESSION_FP_LEN);
    memcpy(s->name, &raw[KRJ_SESSION_AT_NAME], s->name_len);

    if (now >= s->expires
        || (max_time > 0 && s->issued <= now - max_time))
    {
        return KRJ_SESSION_EXPIRED;
    }

    if (s->issued > now + KRJ_SESSION_SKEW) {
        return KRJ_SESSION_FUTURE;
    }

    return KRJ_SESSION_OK;
}


int
krj_session_check_user(const krj_session_key_t *keys, const krj_session_t *s,
    const char *hash, size_t len)
{
    unsigned char  fp[KRJ_SESSION_FP_LEN];

    if (krj_session_fingerprint(&keys[s->key], hash, len, fp) != 0) {
        return KRJ_SESSION_ERROR;
    }

    if (CRYPTO_memcmp(fp, s->fingerprint, KRJ_SESSION_FP_LEN) != 0) {
        return KRJ_SESSION_CHANGED;
    }

    return KRJ_SESSION_OK;
}


const char *
krj_session_reason(int rc)
{
    if (rc < 0 || (size_t) rc >= sizeof(krj_session_reasons)
                                 / sizeof(krj_session_reasons[0]))
    {
        return "?";
    }

    return krj_session_reasons[rc];
}


int
krj_session_same_origin(const char *url, size_t len, int referer, int https,
    const char *host, size_t hlen)
{
    size_t       alen;
    const char  *authority;

    alen = krj_session_authority(url, len, referer, https, &authority);

    if (alen == 0) {
        return 0;
    }

    alen = krj_session_host_len(authority, alen, https);
    hlen = krj_session_host_len(host, hlen, https);

    return hlen != 0 && krj_strcaseeq(authority, alen, host, hlen);
}


/*
 * The host and port of url when its scheme is the one asked for, and for
 * an Origin nothing after them; 0 when there are none.  A user name
 * before '@' is no part of an origin: such a url has none.
 */

static size_t
krj_session_authority(const char *url, size_t len, int referer, int https,
    const char **host)
{
    size_t       i, slen;
    const char  *scheme;

    scheme = https ? "https://" : "http://";
    slen = strlen(scheme);

    if (len <= slen || !krj_strcaseeq(url, slen, scheme, slen)) {
        return 0;
    }

    *host = url + slen;
    len -= slen;

    for (i = 0; i < len; i++) {
        if ((*host)[i] == '/' || (*host)[i] == '?' || (*host)[i] == '#') {
            if (!referer) {
                return 0;
            }

            break;
        }

        if ((*host)[i] == '@' || (*host)[i] == '\\'
            || (unsigned char) (*host)[i] <= ' '
            || (unsigned char) (*host)[i] >= 0x7f)
        {
            return 0;
        }
    }

    return i;
}


/* host[:port] without a default port, or a trailing ':' */

static size_t
krj_session_host_len(const char *host, size_t len, int https)
{
    const char  *port;
    size_t       plen;

    port = https ? ":443" : ":80";
    plen = strlen(port);

    if (len > plen && memcmp(host + len - plen, port, plen) == 0) {
        len -= plen;

    } else if (len > 1 && host[len - 1] == ':') {
        len--;
    }

    return len;
}


int
krj_session_local_next(const char *next, size_t len, const char *prefix,
    size_t plen)
{
    int     hi, lo;
    char    decoded[KRJ_SESSION_NEXT_MAX];
    size_t  i, n;

    if (!krj_session_path_ok(next, len, prefix, plen)) {
        return 0;
    }

    if (len > sizeof(decoded)) {
        return 0;
    }

    for (i = 0, n = 0; i < len; i++, n++) {

        if (next[i] != '%') {
            decoded[n] = next[i];
            continue;
        }

        if (i + 2 >= len) {
            return 0;
        }

        hi = krj_session_hex(next[i + 1]);
        lo = krj_session_hex(next[i + 2]);

        if (hi < 0 || lo < 0) {
            return 0;
        }

        decoded[n] = (char) (hi << 4 | lo);
        i += 2;
    }

    return krj_session_path_ok(decoded, n, prefix, plen);
}


static int
krj_session_path_ok(const char *p, size_t len, const char *prefix,
    size_t plen)
{
    size_t  i, end, seg;

    if (len == 0 || p[0] != '/' || len < plen
        || memcmp(p, prefix, plen) != 0
        || (len > plen && p[plen] != '/' && p[plen] != '?'))
    {
        return 0;
    }

    end = len;

    for (i = 0; i < len; i++) {

        if ((unsigned char) p[i] <= ' ' || (unsigned char) p[i] >= 0x7f
            || p[i] == '\\'
            || (p[i] == '/' && i + 1 < len && p[i + 1] == '/'))
        {
            return 0;
        }

        if (end == len && (p[i] == '?' || p[i] == '#')) {
            end = i;
        }
    }

    /* no "." or ".." segment in the path, which would leave prefix */

    for (seg = 1, i = 1; i <= end; i++) {

        if (i < end && p[i] != '/') {
            continue;
        }

        if ((i - seg == 1 && p[seg] == '.')
            || (i - seg == 2 && p[seg] == '.' && p[seg + 1] == '.'))
        {
            return 0;
        }

        seg = i + 1;
    }

    return 1;
}


size_t
krj_session_escape_next(char *dst, const char *src, size_t len)
{
    size_t          i, n;
    unsigned char   c;
    static const char  hex[] = "0123456789ABCDEF";

    for (i = 0, n = 0; i < len; i++) {
        c = (unsigned char) src[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~' || c == '/')
        {
            if (dst) {
                dst[n] = (char) c;
            }

            n++;
            continue;
        }

        if (dst) {
            dst[n] = '%';
            dst[n + 1] = hex[c >> 4];
            dst[n + 2] = hex[c & 0x0f];
        }

        n += 3;
    }

    return n;
}


static int
krj_session_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


static int
krj_session_mac(const krj_session_key_t *k, const unsigned char *data,
    size_t len, unsigned char *mac)
{
    unsigned int  mlen;

    if (HMAC(EVP_sha256(), k->key, KRJ_SESSION_KEY_LEN, data, len, mac,
             &mlen)
        == NULL
        || mlen != KRJ_SESSION_MAC_LEN)
    {
        return -1;
    }

    return 0;
}


static size_t
krj_session_base64url(char *dst, const unsigned char *src, size_t len)
{
    char      *p;
    size_t     i;
    uint32_t   v;

    p = dst;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8 | src[i + 2];

        *p++ = krj_session_alphabet[v >> 18];
        *p++ = krj_session_alphabet[(v >> 12) & 0x3f];
        *p++ = krj_session_alphabet[(v >> 6) & 0x3f];
        *p++ = krj_session_alphabet[v & 0x3f];
    }

    if (len - i == 1) {
        v = (uint32_t) src[i] << 16;

        *p++ = krj_session_alphabet[v >> 18];
        *p++ = krj_session_alphabet[(v >> 12) & 0x3f];

    } else if (len - i == 2) {
        v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8;

        *p++ = krj_session_alphabet[v >> 18];
        *p++ = krj_session_alphabet[(v >> 12) & 0x3f];
        *p++ = krj_session_alphabet[(v >> 6) & 0x3f];
    }

    return p - dst;
}


/*
 * Strict: the alphabet only, no padding, and the bits after the last byte
 * zero, so one session has one spelling.
 */

static int
krj_session_unbase64url(unsigned char *dst, size_t size, const char *src,
    size_t len, size_t *n)
{
    int       c;
    size_t    i, bits, out;
    uint32_t  acc;

    if (len % 4 == 1 || (len / 4) * 3 + (len % 4 ? len % 4 - 1 : 0) > size) {
        return -1;
    }

    acc = 0;
    bits = 0;
    out = 0;

    for (i = 0; i < len; i++) {
        c = krj_session_value(src[i]);

        if (c < 0) {
            return -1;
        }

        acc = (acc << 6 | (uint32_t) c) & 0xffffff;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            dst[out++] = (unsigned char) (acc >> bits);
        }
    }

    if (acc & ((1u << bits) - 1)) {
        return -1;
    }

    *n = out;

    return 0;
}


static int
krj_session_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == '-') {
        return 62;
    }

    if (c == '_') {
        return 63;
    }

    return -1;
}


static void
krj_session_put64(unsigned char *p, int64_t v)
{
    int       i;
    uint64_t  u;

    u = (uint64_t) v;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char) (u & 0xff);
        u >>= 8;
    }
}


static int64_t
krj_session_get64(const unsigned char *p)
{
    int       i;
    uint64_t  u;

    u = 0;

    for (i = 0; i < 8; i++) {
        u = u << 8 | p[i];
    }

    return (int64_t) u;
}
