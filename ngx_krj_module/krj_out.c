
/*
 * Copyright (C) The krj developers
 */


#include <string.h>

#include "krj_html.h"
#include "krj_out.h"
#include "krj_str.h"


void
krj_out_put(krj_out_t *o, const void *s, size_t len)
{
    if (o->p && len) {
        memcpy(o->p + o->len, s, len);
    }

    o->len += len;
}


void
krj_out_str(krj_out_t *o, const char *s)
{
    krj_out_put(o, s, strlen(s));
}


void
krj_out_byte(krj_out_t *o, char c)
{
    if (o->p) {
        o->p[o->len] = c;
    }

    o->len++;
}


void
krj_out_uint(krj_out_t *o, uint64_t v)
{
    char   buf[20], *p;

    p = buf + sizeof(buf);

    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    krj_out_put(o, p, buf + sizeof(buf) - p);
}


void
krj_out_int(krj_out_t *o, int64_t v)
{
    if (v < 0) {
        krj_out_byte(o, '-');

        /* INT64_MIN has no positive twin: negate in unsigned arithmetic */
        krj_out_uint(o, (uint64_t) 0 - (uint64_t) v);
        return;
    }

    krj_out_uint(o, (uint64_t) v);
}


void
krj_out_json(krj_out_t *o, const char *s, size_t len)
{
    o->len += krj_json_escape(o->p ? o->p + o->len : NULL, s, len);
}


void
krj_out_fmt(krj_out_t *o, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    krj_out_vfmt(o, fmt, args);
    va_end(args);
}


void
krj_out_vfmt(krj_out_t *o, const char *fmt, va_list args)
{
    size_t       len;
    const char  *p, *s;

    for (p = fmt; *p; p++) {

        if (*p != '%') {
            s = p;

            while (p[1] && p[1] != '%') {
                p++;
            }

            krj_out_put(o, s, p - s + 1);
            continue;
        }

        switch (*++p) {

        case 's':
            krj_out_str(o, va_arg(args, const char *));
            break;

        case 'r':
            s = va_arg(args, const char *);
            len = va_arg(args, size_t);
            krj_out_put(o, s, len);
            break;

        case 'j':
            s = va_arg(args, const char *);
            len = va_arg(args, size_t);
            krj_out_json(o, s, len);
            break;

        case 'h':
            s = va_arg(args, const char *);
            len = va_arg(args, size_t);
            krj_out_html(o, s, len);
            break;

        case 'q':
            s = va_arg(args, const char *);
            len = va_arg(args, size_t);
            krj_out_query(o, s, len);
            break;

        case 'u':
            krj_out_uint(o, va_arg(args, unsigned int));
            break;

        case 'U':
            krj_out_uint(o, va_arg(args, uint64_t));
            break;

        case 'd':
            krj_out_int(o, va_arg(args, int64_t));
            break;

        case '%':
            krj_out_byte(o, '%');
            break;

        default:

            if (o->hook != NULL && o->hook(o, *p)) {
                break;
            }

            /* a format of krj_layout.h is a constant: stop at a typo */
            return;
        }
    }
}


size_t
krj_json_escape(char *out, const char *p, size_t len)
{
    size_t               i, n, c;
    unsigned char        ch;
    static const char    hex[] = "0123456789abcdef";

    n = 0;

    for (i = 0; i < len; i += c) {
        ch = (unsigned char) p[i];

        if (ch >= 0x80) {
            c = krj_utf8_char((const unsigned char *) p + i, len - i);

            if (c == 0) {
                if (out) {
                    memcpy(out + n, "\\ufffd", 6);
                }

                n += 6;
                c = 1;
                continue;
            }

            if (out) {
                memcpy(out + n, p + i, c);
            }

            n += c;
            continue;
        }

        c = 1;

        if (ch == '"' || ch == '\\') {
            if (out) {
                out[n] = '\\';
                out[n + 1] = (char) ch;
            }

            n += 2;

        } else if (ch < 0x20) {
            if (out) {
                memcpy(out + n, "\\u00", 4);
                out[n + 4] = hex[ch >> 4];
                out[n + 5] = hex[ch & 0xf];
            }

            n += 6;

        } else {
            if (out) {
                out[n] = (char) ch;
            }

            n++;
        }
    }

    return n;
}
