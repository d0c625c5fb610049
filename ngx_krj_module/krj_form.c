
/*
 * Copyright (C) The krj developers
 */


/*
 * Query strings decoded: strictly for the API, where a malformed escape
 * is an error and "+" is a plus, and as an HTML form writes them
 * (application/x-www-form-urlencoded, as browsers read it) for the
 * dashboard's pages and the login form's body.
 */


#include <string.h>

#include "krj_form.h"
#include "krj_out.h"
#include "krj_str.h"


static size_t krj_form_decode(const char *p, size_t len, char *dst,
    int *nul);
static int krj_form_utf8(const char *p, size_t len);
static int krj_form_error(char *err, const char *fmt, const char *p,
    size_t len);
static size_t krj_form_trim(char *s, size_t len);


int
krj_form_percent(const char *p, size_t len, char *dst, size_t *n)
{
    int          hi, lo;
    char        *d;
    const char  *end;

    d = dst;
    end = p + len;

    while (p < end) {
        if (*p != '%') {
            if (*p == '\0') {
                return -1;
            }

            *d++ = *p++;
            continue;
        }

        if (end - p < 3) {
            return -1;
        }

        hi = krj_form_hex(p[1]);
        lo = krj_form_hex(p[2]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return -1;
        }

        *d++ = (char) (hi * 16 + lo);
        p += 3;
    }

    *d = '\0';
    *n = d - dst;

    return 0;
}


int
krj_form_pair(const char **pp, const char *end, char *buf, krj_str_t *name,
    krj_str_t *value, char *err)
{
    size_t       nlen, vlen;
    const char  *p, *amp, *eq;

    p = *pp;

    while (p < end && *p == '&') {
        p++;
    }

    *pp = p;

    if (p == end) {
        return 0;
    }

    amp = memchr(p, '&', end - p);
    if (amp == NULL) {
        amp = end;
    }

    *pp = amp;

    eq = memchr(p, '=', amp - p);
    if (eq == NULL) {
        return krj_form_error(err, "parameter \"%r\" has no value", p,
                              amp - p);
    }

    if (krj_form_percent(p, eq - p, buf, &nlen) != 0) {
        return krj_form_error(err, "malformed percent-encoding in \"%r\"",
                              p, eq - p);
    }

    if (krj_form_percent(eq + 1, amp - eq - 1, buf + nlen + 1, &vlen) != 0) {
        return krj_form_error(err, "malformed percent-encoding in \"%r\"",
                              eq + 1, amp - eq - 1);
    }

    name->data = buf;
    name->len = nlen;
    value->data = buf + nlen + 1;
    value->len = vlen;

    return 1;
}


int
krj_form_next(const char **pp, const char *end, char *buf, krj_str_t *name,
    krj_str_t *value, char *err, unsigned flags)
{
    int          nul;
    size_t       nlen, vlen;
    const char  *p, *amp, *eq;

    p = *pp;
    nul = 0;

    while (p < end && *p == '&') {
        p++;
    }

    if (p == end) {
        *pp = p;
        return 0;
    }

    amp = memchr(p, '&', end - p);
    if (amp == NULL) {
        amp = end;
    }

    eq = memchr(p, '=', amp - p);
    if (eq == NULL) {
        eq = amp;
    }

    nlen = krj_form_decode(p, eq - p, buf, &nul);
    vlen = (eq < amp) ? krj_form_decode(eq + 1, amp - eq - 1,
                                        buf + nlen + 1, &nul)
                      : 0;

    if (eq == amp) {
        buf[nlen + 1] = '\0';
    }

    *pp = amp;

    if (nul) {
        (void) krj_form_error(err, "a NUL byte in parameter \"%r\"", buf,
                              strlen(buf));
        goto sanitize;
    }

    if (!krj_form_utf8(buf, nlen) || !krj_form_utf8(buf + nlen + 1, vlen)) {
        (void) krj_form_error(err, "parameter \"%r\" is not UTF-8", buf,
                              strlen(buf));
        goto sanitize;
    }

    name->data = buf;
    name->len = (flags & KRJ_FORM_TRIM) ? krj_form_trim(buf, nlen) : nlen;
    value->data = buf + nlen + 1;
    value->len = (flags & KRJ_FORM_TRIM)
                 ? krj_form_trim(buf + nlen + 1, vlen) : vlen;

    return 1;

sanitize:

    /* the message quotes the client: keep it printable ASCII */

    for (buf = err; *buf; buf++) {
        if ((unsigned char) *buf < 0x20 || (unsigned char) *buf > 0x7e) {
            *buf = '?';
        }
    }

    return -1;
}



/*
 * application/x-www-form-urlencoded as browsers read it: "+" is a space,
 * an escape that is not two hex digits stays as it is, and a decoded NUL
 * is reported.  NUL-terminates dst; returns the length.
 */

static size_t
krj_form_decode(const char *p, size_t len, char *dst, int *nul)
{
    int          hi, lo;
    char        *d;
    const char  *end;

    d = dst;
    end = p + len;

    while (p < end) {
        if (*p == '+') {
            *d++ = ' ';
            p++;
            continue;
        }

        if (*p == '%' && end - p >= 3) {
            hi = krj_form_hex(p[1]);
            lo = krj_form_hex(p[2]);

            if (hi >= 0 && lo >= 0) {
                *d = (char) (hi * 16 + lo);
                *nul |= (*d == '\0');
                d++;
                p += 3;
                continue;
            }
        }

        *nul |= (*p == '\0');
        *d++ = *p++;
    }

    *d = '\0';

    return d - dst;
}



static int
krj_form_utf8(const char *p, size_t len)
{
    size_t  i, c;

    for (i = 0; i < len; i += c) {
        c = krj_utf8_char((const unsigned char *) p + i, len - i);

        if (c == 0) {
            return 0;
        }
    }

    return 1;
}



/* strips ASCII white space at both ends in place; returns the length */

static size_t
krj_form_trim(char *s, size_t len)
{
    size_t  start;

    start = 0;

    while (start < len && krj_form_space(s[start])) {
        start++;
    }

    while (len > start && krj_form_space(s[len - 1])) {
        len--;
    }

    if (start) {
        memmove(s, s + start, len - start);
    }

    s[len - start] = '\0';

    return len - start;
}



int
krj_form_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
           || c == '\f';
}



int
krj_form_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* a message that quotes at most 64 bytes of the client's, printable */

static int
krj_form_error(char *err, const char *fmt, const char *p, size_t len)
{
    char       *c;
    krj_out_t   o;

    /*
     * krj_out, as the API's messages: no libc formatting for a request;
     * the formats of this file and 64 bytes fit, and the text ends at a
     * NUL, as it did
     */

    len = len > 64 ? 64 : len;
    c = memchr(p, '\0', len);
    len = c ? (size_t) (c - p) : len;

    krj_out_init(&o, err);
    krj_out_fmt(&o, fmt, p, len);
    err[o.len] = '\0';

    for (c = err; *c; c++) {
        if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e) {
            *c = '?';
        }
    }

    return -1;
}
