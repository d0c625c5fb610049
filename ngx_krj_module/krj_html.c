
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_html.h"
#include "krj_str.h"


static const char  *krj_html_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec"
};


size_t
krj_html_escape(char *out, const char *p, size_t len)
{
    size_t          i, n, c, elen;
    const char     *e;
    unsigned char   ch;

    n = 0;

    for (i = 0; i < len; i += c) {
        ch = (unsigned char) p[i];
        c = 1;
        e = NULL;

        switch (ch) {

        case '&':
            e = "&amp;";
            break;

        case '<':
            e = "&lt;";
            break;

        case '>':
            e = "&gt;";
            break;

        case '"':
            e = "&quot;";
            break;

        default:

            if (ch < 0x80) {
                break;
            }

            c = krj_utf8_char((const unsigned char *) p + i, len - i);

            if (c == 0) {
                e = "\xef\xbf\xbd";
                c = 1;
            }
        }

        if (e == NULL) {
            if (out) {
                memcpy(out + n, p + i, c);
            }

            n += c;
            continue;
        }

        elen = strlen(e);

        if (out) {
            memcpy(out + n, e, elen);
        }

        n += elen;
    }

    return n;
}


void
krj_out_html(krj_out_t *o, const char *s, size_t len)
{
    o->len += krj_html_escape(o->p ? o->p + o->len : NULL, s, len);
}


void
krj_out_query(krj_out_t *o, const char *s, size_t len)
{
    size_t              i;
    unsigned char       c;
    static const char   hex[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == '~' || c == ',')
        {
            krj_out_byte(o, (char) c);
            continue;
        }

        krj_out_byte(o, '%');
        krj_out_byte(o, hex[c >> 4]);
        krj_out_byte(o, hex[c & 0xf]);
    }
}


size_t
krj_html_date(char *buf, const char *iso, size_t len)
{
    unsigned   m;
    krj_out_t  o;

    krj_out_init(&o, buf);

    /* the snapshot's dates are validated; anything else goes as it is */
    if (len != 10 || iso[4] != '-' || iso[7] != '-') {
        len = len < KRJ_HTML_DATE_LEN - 1 ? len : KRJ_HTML_DATE_LEN - 1;
        memcpy(buf, iso, len);
        buf[len] = '\0';
        return len;
    }

    m = (unsigned) (iso[5] - '0') * 10 + (unsigned) (iso[6] - '0');

    if (m < 1 || m > 12) {
        m = 1;
    }

    krj_out_str(&o, krj_html_months[m - 1]);
    krj_out_byte(&o, ' ');

    if (iso[8] != '0') {
        krj_out_byte(&o, iso[8]);
    }

    krj_out_byte(&o, iso[9]);
    krj_out_str(&o, ", ");
    krj_out_put(&o, iso, 4);

    buf[o.len] = '\0';

    return o.len;
}


size_t
krj_html_age(char *buf, int64_t seconds)
{
    uint64_t    n;
    krj_out_t   o;
    const char *unit;

    krj_out_init(&o, buf);

    if (seconds < 60) {
        krj_out_str(&o, "just now");
        buf[o.len] = '\0';
        return o.len;
    }

    if (seconds >= 86400) {
        n = (uint64_t) seconds / 86400;
        unit = "day";

    } else if (seconds >= 3600) {
        n = (uint64_t) seconds / 3600;
        unit = "hour";

    } else {
        n = (uint64_t) seconds / 60;
        unit = "minute";
    }

    krj_out_uint(&o, n);
    krj_out_byte(&o, ' ');
    krj_out_str(&o, unit);

    if (n != 1) {
        krj_out_byte(&o, 's');
    }

    krj_out_str(&o, " ago");
    buf[o.len] = '\0';

    return o.len;
}


void
krj_out_base36(krj_out_t *o, uint64_t v, unsigned width)
{
    char               buf[16];
    unsigned           i;
    static const char  digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

    if (width > sizeof(buf)) {
        width = sizeof(buf);
    }

    for (i = width; i > 0; i--) {
        buf[i - 1] = digits[v % 36];
        v /= 36;
    }

    krj_out_put(o, buf, width);
}


size_t
krj_html_chars(const char *p, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        /* every byte but a continuation byte starts a character */
        if (((unsigned char) p[i] & 0xc0) != 0x80) {
            n++;
        }
    }

    return n;
}


size_t
krj_html_prefix(const char *p, size_t len, size_t n)
{
    size_t  i, seen;

    seen = 0;

    for (i = 0; i < len; i++) {
        if (((unsigned char) p[i] & 0xc0) != 0x80) {
            if (seen == n) {
                return i;
            }

            seen++;
        }
    }

    return len;
}
