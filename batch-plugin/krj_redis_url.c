
/*
 * Copyright (C) The krj developers
 */


/*
 * --redis-url taken apart: redis://, rediss:// and unix://, a user and a
 * password percent-encoded before the host, a database, and the TLS
 * files as query parameters.
 */


#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "krj_redis.h"


static int krj_redis_host(krj_redis_url_t *u, const char *p, size_t len,
    const char **rest, char *err);
static int krj_redis_param(krj_redis_url_t *u, const char *p, size_t len,
    char *err);
static int krj_redis_decode(char *dst, size_t size, const char *src,
    size_t len);


int
krj_redis_url_parse(const char *url, krj_redis_url_t *u, char *err)
{
    size_t       len;
    const char  *p, *at, *colon, *q, *rest;

    memset(u, 0, sizeof(krj_redis_url_t));

    if (strncmp(url, "redis://", 8) == 0) {
        u->scheme = KRJ_REDIS_TCP;
        p = url + 8;

    } else if (strncmp(url, "rediss://", 9) == 0) {
        u->scheme = KRJ_REDIS_TLS;
        p = url + 9;

    } else if (strncmp(url, "unix://", 7) == 0) {
        u->scheme = KRJ_REDIS_UNIX;
        p = url + 7;

    } else {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: redis://, rediss:// "
                 "or unix:// expected");
        return -1;
    }

    /* user and password, percent-encoded, before the last '@' */
    q = strchr(p, '?');
    len = q ? (size_t) (q - p) : strlen(p);
    at = memrchr(p, '@', len);

    if (at != NULL) {
        colon = memchr(p, ':', (size_t) (at - p));

        if (colon == NULL) {
            /* redis://secret@host: the password alone, as redis-cli */
            if (krj_redis_decode(u->password, sizeof(u->password), p,
                                 (size_t) (at - p)) != 0)
            {
                goto bad_auth;
            }

        } else if (krj_redis_decode(u->user, sizeof(u->user), p,
                                    (size_t) (colon - p)) != 0
                   || krj_redis_decode(u->password, sizeof(u->password),
                                       colon + 1,
                                       (size_t) (at - colon - 1)) != 0)
        {
            goto bad_auth;
        }

        len -= (size_t) (at + 1 - p);
        p = at + 1;
    }

    if (u->scheme == KRJ_REDIS_UNIX) {
        if (len == 0 || p[0] != '/' || len >= sizeof(u->path)) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: unix:// needs an "
                     "absolute path");
            return -1;
        }

        memcpy(u->path, p, len);
        rest = p + len;

    } else if (krj_redis_host(u, p, len, &rest, err) != 0) {
        return -1;
    }

    /* ?db=N&ca=FILE&cert=FILE&key=FILE */
    if (*rest == '?') {
        for (p = rest + 1; *p != '\0'; p += len + (p[len] == '&')) {
            len = strcspn(p, "&");

            if (len > 0 && krj_redis_param(u, p, len, err) != 0) {
                return -1;
            }
        }
    }

    return 0;

bad_auth:

    snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: bad user or password "
             "encoding");
    return -1;
}


/* HOST[:PORT][/DB] of len bytes at p; *rest is what follows */
static int
krj_redis_host(krj_redis_url_t *u, const char *p, size_t len,
    const char **rest, char *err)
{
    char        db[16];
    size_t      hlen;
    const char  *end, *host;

    if (p[0] == '[') {
        end = memchr(p, ']', len);
        if (end == NULL) {
            goto bad_host;
        }

        host = p + 1;
        hlen = (size_t) (end - host);
        p = end + 1;

    } else {
        host = p;
        hlen = strcspn(p, ":/?");
        p += hlen;
    }

    /* a name, an IPv4 address, or an IPv6 one in brackets */
    if (hlen == 0 || hlen >= sizeof(u->host)
        || strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "abcdefghijklmnopqrstuvwxyz0123456789.-_:")
           < hlen)
    {
        goto bad_host;
    }

    memcpy(u->host, host, hlen);

    snprintf(u->port, sizeof(u->port), "6379");

    if (*p == ':') {
        len = strspn(p + 1, "0123456789");

        if (len == 0 || len > 5 || atoi(p + 1) == 0 || atoi(p + 1) > 65535) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: bad port");
            return -1;
        }

        memcpy(u->port, p + 1, len);
        u->port[len] = '\0';
        p += 1 + len;
    }

    if (*p == '/' && p[1] != '\0' && p[1] != '?') {
        len = strspn(p + 1, "0123456789");

        if (len == 0 || len >= sizeof(db)
            || (p[1 + len] != '\0' && p[1 + len] != '?'))
        {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: the database is a "
                     "number");
            return -1;
        }

        u->db = (unsigned) strtoul(p + 1, NULL, 10);
        p += 1 + len;

    } else if (*p == '/') {
        p++;
    }

    if (*p != '\0' && *p != '?') {
        goto bad_host;
    }

    *rest = p;

    return 0;

bad_host:

    snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: bad host");
    return -1;
}


static int
krj_redis_param(krj_redis_url_t *u, const char *p, size_t len, char *err)
{
    char        *dst;
    size_t       size, n;
    const char  *eq;

    eq = memchr(p, '=', len);
    n = eq ? (size_t) (eq - p) : len;

    if (eq != NULL && n == 2 && memcmp(p, "db", 2) == 0
        && len - 3 > 0 && len - 3 < 10
        && strspn(eq + 1, "0123456789") >= len - 3)
    {
        u->db = (unsigned) strtoul(eq + 1, NULL, 10);
        return 0;
    }

    dst = NULL;
    size = PATH_MAX;

    if (n == 2 && memcmp(p, "ca", 2) == 0) {
        dst = u->ca;

    } else if (n == 4 && memcmp(p, "cert", 4) == 0) {
        dst = u->cert;

    } else if (n == 3 && memcmp(p, "key", 3) == 0) {
        dst = u->key;
    }

    if (dst == NULL || eq == NULL || u->scheme != KRJ_REDIS_TLS
        || krj_redis_decode(dst, size, eq + 1, len - n - 1) != 0
        || dst[0] == '\0')
    {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis URL: unknown or bad "
                 "parameter \"%.*s\" (db= always; ca=, cert=, key= with "
                 "rediss://)", (int) (n < 32 ? n : 32), p);
        return -1;
    }

    return 0;
}


/* %XX decoding into dst (size bytes, NUL included); -1 on bad input */
static int
krj_redis_decode(char *dst, size_t size, const char *src, size_t len)
{
    int     hi, lo;
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        if (n + 1 >= size) {
            return -1;
        }

        if (src[i] != '%') {
            dst[n++] = src[i];
            continue;
        }

        if (i + 2 >= len) {
            return -1;
        }

        hi = OPENSSL_hexchar2int((unsigned char) src[i + 1]);
        lo = OPENSSL_hexchar2int((unsigned char) src[i + 2]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return -1;
        }

        dst[n++] = (char) (hi * 16 + lo);
        i += 2;
    }

    dst[n] = '\0';

    return 0;
}
