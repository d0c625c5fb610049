
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SESSION_H_INCLUDED_
#define _KRJ_SESSION_H_INCLUDED_


/*
 * The session cookie of people signed in to the dashboard, and the checks
 * its login form needs: plain C over OpenSSL's libcrypto, nothing of
 * nginx (ngx_http_krj_session.c puts it on requests).
 *
 * The cookie value is base64url without padding of, in this order:
 *
 *   1 byte    version, KRJ_SESSION_VERSION
 *   4 bytes   key id: the first 4 bytes of SHA-256(key), so that the
 *             verifier picks its key without trying every one
 *   8 bytes   issued at, seconds since 1970, int64 big-endian
 *   8 bytes   expires at, the same
 *   16 bytes  fingerprint: HMAC-SHA-256(key, the user's password hash as
 *             the user file holds it), the first 16 bytes; a new password
 *             or a removed user ends every session of that user
 *   1 byte    n, the length of the user name, 1 to KRJ_NAME_MAX
 *   n bytes   the user name
 *   32 bytes  HMAC-SHA-256(key, every byte before it)
 *
 * The key is the 32 bytes of a krj_session_key_file.  Both HMACs use it:
 * their inputs cannot collide, a hash never starts with the version byte.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_principal.h"


#define KRJ_SESSION_VERSION     1
#define KRJ_SESSION_KEY_LEN     32
#define KRJ_SESSION_ID_LEN      4
#define KRJ_SESSION_FP_LEN      16
#define KRJ_SESSION_MAC_LEN     32

/* the bytes around the name: version, id, times, fingerprint, n, MAC */
#define KRJ_SESSION_FIXED       (1 + KRJ_SESSION_ID_LEN + 8 + 8             \
                                 + KRJ_SESSION_FP_LEN + 1                   \
                                 + KRJ_SESSION_MAC_LEN)
#define KRJ_SESSION_RAW_MAX     (KRJ_SESSION_FIXED + KRJ_NAME_MAX)

/* the longest cookie value, base64url without padding (179) */
#define KRJ_SESSION_COOKIE_MAX  ((KRJ_SESSION_RAW_MAX * 4 + 2) / 3)

/* the longest next krj_session_local_next() accepts */
#define KRJ_SESSION_NEXT_MAX    4096

/* a cookie issued later than now by more than this is refused */
#define KRJ_SESSION_SKEW        60

/* krj_session_decode() and krj_session_check_user() */
#define KRJ_SESSION_OK           0
#define KRJ_SESSION_BAD_BASE64   1
#define KRJ_SESSION_BAD_LENGTH   2
#define KRJ_SESSION_BAD_VERSION  3
#define KRJ_SESSION_UNKNOWN_KEY  4
#define KRJ_SESSION_BAD_MAC      5  /* a forgery: counted as a guess */
#define KRJ_SESSION_EXPIRED      6
#define KRJ_SESSION_FUTURE       7
/* found by the caller, from the user file and the request */
#define KRJ_SESSION_UNKNOWN_USER 8
#define KRJ_SESSION_CHANGED      9  /* the user's hash is not the same */
#define KRJ_SESSION_TWO          10 /* two cookies of the name */
#define KRJ_SESSION_ERROR        11 /* libcrypto failed */


typedef struct {
    unsigned char   key[KRJ_SESSION_KEY_LEN];
    unsigned char   id[KRJ_SESSION_ID_LEN];
} krj_session_key_t;


typedef struct {
    int64_t         issued;
    int64_t         expires;
    unsigned char   fingerprint[KRJ_SESSION_FP_LEN];
    size_t          name_len;
    char            name[KRJ_NAME_MAX];
    size_t          key;                /* the index of the key it names */
} krj_session_t;


/* k from the 32 bytes of a key file: the key and its id; 0, -1 */
int krj_session_key_init(krj_session_key_t *k, const unsigned char *bytes);

/* the fingerprint of a user's hash under k; 0, -1 */
int krj_session_fingerprint(const krj_session_key_t *k, const char *hash,
    size_t len, unsigned char *fp);

/*
 * The cookie value of s signed with k, into out (KRJ_SESSION_COOKIE_MAX
 * bytes, no NUL).  s->name_len must be 1 to KRJ_NAME_MAX.  Returns the
 * length, 0 on error.
 */
size_t krj_session_encode(const krj_session_key_t *k, const krj_session_t *s,
    char *out);

/*
 * The session in a cookie value, checked against keys[0, n) at now: the
 * MAC (in constant time) and then the times; max_time > 0 also refuses a
 * cookie issued max_time seconds ago or more, whatever its expiry says,
 * so that a shorter krj_session_time applies to cookies already out.
 * KRJ_SESSION_OK with s filled in, or the reason of the refusal.  The user
 * and the fingerprint are the caller's to check.
 */
int krj_session_decode(const krj_session_key_t *keys, size_t n,
    const char *in, size_t len, int64_t now, int64_t max_time,
    krj_session_t *s);

/*
 * KRJ_SESSION_OK when s holds the fingerprint of hash under the key that
 * verified it, KRJ_SESSION_CHANGED or KRJ_SESSION_ERROR otherwise
 */
int krj_session_check_user(const krj_session_key_t *keys,
    const krj_session_t *s, const char *hash, size_t len);

/* "bad MAC", "expired", ...: the words of the log line */
const char *krj_session_reason(int rc);

/*
 * 1 when url, an Origin (referer 0: exactly scheme://host[:port]) or a
 * Referer (referer 1: a path, query or fragment may follow), names the
 * scheme (https 1 or 0) and the host and port of a Host header: host names
 * ignore case, a default port (80, 443) may be written or not.
 */
int krj_session_same_origin(const char *url, size_t len, int referer,
    int https, const char *host, size_t hlen);

/*
 * 1 when next is a local path under prefix (a path without a trailing
 * '/', "" for the root): prefix itself, or prefix and then '/' or '?';
 * only printable ASCII; no "//", no '\', no "." or ".." segment; all of
 * this also after one percent-decoding, which must be valid; at most
 * KRJ_SESSION_NEXT_MAX bytes.
 */
int krj_session_local_next(const char *next, size_t len, const char *prefix,
    size_t plen);

/*
 * next for a query, every byte but A-Z a-z 0-9 - . _ ~ / written %XX, into
 * dst; dst NULL measures.  Returns the length.
 */
size_t krj_session_escape_next(char *dst, const char *src, size_t len);


#endif /* _KRJ_SESSION_H_INCLUDED_ */
