
/*
 * Copyright (C) The krj developers
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "krj_render.h"
#include "../ngx_krj_module/krj_snapshot.h"


#define krj_render_digit(c)  ((c) >= '0' && (c) <= '9')


int
krj_render_is_json_number(const char *s, size_t len)
{
    size_t  i;

    i = 0;

    if (i < len && s[i] == '-') {
        i++;
    }

    if (i == len) {
        return 0;
    }

    /* int: 0 or a digit 1-9 followed by digits */
    if (s[i] == '0') {
        i++;

    } else if (krj_render_digit(s[i])) {
        while (i < len && krj_render_digit(s[i])) {
            i++;
        }

    } else {
        return 0;
    }

    /* frac */
    if (i < len && s[i] == '.') {
        i++;

        if (i == len || !krj_render_digit(s[i])) {
            return 0;
        }

        while (i < len && krj_render_digit(s[i])) {
            i++;
        }
    }

    /* exp */
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;

        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }

        if (i == len || !krj_render_digit(s[i])) {
            return 0;
        }

        while (i < len && krj_render_digit(s[i])) {
            i++;
        }
    }

    return i == len;
}


uint32_t
krj_render_cell(krj_buf_t *b, const char *s, size_t len, double *num)
{
    double  v;

    *num = 0;

    if (len == 0) {
        krj_buf_str(b, "null");
        return KRJ_SNAP_NULL;
    }

    if (krj_render_is_json_number(s, len)) {
        v = strtod(s, NULL);

        if (isfinite(v)) {
            *num = v;
            krj_buf_append(b, s, len);
            return KRJ_SNAP_NUMBER;
        }
    }

    krj_render_json_string(b, s, len);

    return KRJ_SNAP_STRING;
}


void
krj_render_json_string(krj_buf_t *b, const char *s, size_t len)
{
    size_t         i, start;
    unsigned char  c;
    static char    hex[] = "0123456789abcdef";
    char           esc[6] = { '\\', 'u', '0', '0', 0, 0 };

    krj_buf_byte(b, '"');

    start = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        krj_buf_append(b, s + start, i - start);
        start = i + 1;

        if (c == '"' || c == '\\') {
            krj_buf_byte(b, '\\');
            krj_buf_byte(b, c);
            continue;
        }

        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xf];
        krj_buf_append(b, esc, sizeof(esc));
    }

    krj_buf_append(b, s + start, len - start);
    krj_buf_byte(b, '"');
}


int
krj_render_csv_needs_quotes(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
            return 1;
        }
    }

    return 0;
}


void
krj_render_csv_field(krj_buf_t *b, const char *s, size_t len)
{
    size_t  i;

    if (!krj_render_csv_needs_quotes(s, len)) {
        krj_buf_append(b, s, len);
        return;
    }

    krj_buf_byte(b, '"');

    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            krj_buf_byte(b, '"');
        }

        krj_buf_byte(b, (uint8_t) s[i]);
    }

    krj_buf_byte(b, '"');
}


void
krj_render_summary(krj_buf_t *b, uint32_t total, const uint32_t counts[2][3])
{
    const uint32_t  *w, *p;

    w = counts[KRJ_WEEK_THIS];
    p = counts[KRJ_WEEK_PRIOR];

    krj_buf_printf(b, "{\"total\":%u,\"long\":%u,\"neutral\":%u,\"short\":%u,"
                   "\"prior\":{\"long\":%u,\"neutral\":%u,\"short\":%u},"
                   "\"delta\":{\"long\":%lld,\"neutral\":%lld,"
                   "\"short\":%lld}}",
                   total, w[KRJ_COUNT_LONG], w[KRJ_COUNT_NEUTRAL],
                   w[KRJ_COUNT_SHORT], p[KRJ_COUNT_LONG],
                   p[KRJ_COUNT_NEUTRAL], p[KRJ_COUNT_SHORT],
                   (long long) w[KRJ_COUNT_LONG] - p[KRJ_COUNT_LONG],
                   (long long) w[KRJ_COUNT_NEUTRAL] - p[KRJ_COUNT_NEUTRAL],
                   (long long) w[KRJ_COUNT_SHORT] - p[KRJ_COUNT_SHORT]);
}
