
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_str.h"


int
krj_strcaseeq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t         i;
    unsigned char  ca, cb;

    if (alen != blen) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        ca = (unsigned char) a[i];
        cb = (unsigned char) b[i];

        ca = (ca >= 'A' && ca <= 'Z') ? ca | 0x20 : ca;
        cb = (cb >= 'A' && cb <= 'Z') ? cb | 0x20 : cb;

        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


/* RFC 3629 section 4, the well-formed byte sequences */

size_t
krj_utf8_char(const unsigned char *p, size_t len)
{
    size_t         n, i;
    unsigned char  c, lo, hi;

    if (len == 0) {
        return 0;
    }

    c = p[0];

    if (c < 0x80) {
        return 1;
    }

    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;              /* no overlong forms */

        } else if (c == 0xed) {
            hi = 0x9f;              /* no surrogates */
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;

        } else if (c == 0xf4) {
            hi = 0x8f;              /* nothing over U+10FFFF */
        }

    } else {
        return 0;
    }

    if (len < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }

    return n;
}


size_t
krj_utf8_cut(const char *p, size_t len, size_t max)
{
    size_t  n, i, c;

    if (len <= max) {
        return len;
    }

    /* step by characters, so a malformed byte counts as one */

    n = 0;

    for (i = 0; i < max; i += c) {
        c = krj_utf8_char((const unsigned char *) p + i, len - i);

        if (c == 0) {
            c = 1;
        }

        if (i + c > max) {
            break;
        }

        n = i + c;
    }

    return n;
}


size_t
krj_str_escape(char *dst, size_t size, const char *src, size_t len,
    int controls)
{
    int                 escape;
    size_t              i, j, n, w, cut, room;
    const uint8_t      *p;
    static const char   hex[] = "0123456789ABCDEF";

    p = (const uint8_t *) src;
    room = size - 1;
    w = 0;
    cut = 0;

    for (i = 0; i < len; i += n) {
        n = krj_utf8_char(p + i, len - i);

        if (n == 0) {
            /* one stray byte; the next may start a valid character */
            escape = 1;
            n = 1;

        } else if (p[i] == '\\') {
            /* "\x0A" in the input must not read as an escaped newline */
            escape = 1;

        } else if (controls) {
            /* C0 and DEL, and C1 (U+0080 to U+009F, 0xC2 0x80..0x9F) */
            escape = p[i] < 0x20 || p[i] == 0x7f
                     || (p[i] == 0xc2 && p[i + 1] < 0xa0);

        } else {
            escape = 0;
        }

        if (w + (escape ? 4 * n : n) > room) {
            w = cut;
            memcpy(dst + w, "...", 3);
            w += 3;
            break;
        }

        for (j = 0; j < n; j++) {
            if (escape) {
                dst[w++] = '\\';
                dst[w++] = 'x';
                dst[w++] = hex[p[i + j] >> 4];
                dst[w++] = hex[p[i + j] & 0xf];

            } else {
                dst[w++] = (char) p[i + j];
            }
        }

        /* the last place where "..." still fits, should a cut be needed */
        if (w + 3 <= room) {
            cut = w;
        }
    }

    dst[w] = '\0';

    return w;
}
