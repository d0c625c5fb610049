
/*
 * Copyright (C) The krj developers
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "krj_cells.h"
#include "krj_out.h"
#include "krj_snapshot.h"


#define krj_cell_digit(c)  ((c) >= '0' && (c) <= '9')


int
krj_cell_is_json_number(const char *s, size_t len)
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

    } else if (krj_cell_digit(s[i])) {
        while (i < len && krj_cell_digit(s[i])) {
            i++;
        }

    } else {
        return 0;
    }

    /* frac */
    if (i < len && s[i] == '.') {
        i++;

        if (i == len || !krj_cell_digit(s[i])) {
            return 0;
        }

        while (i < len && krj_cell_digit(s[i])) {
            i++;
        }
    }

    /* exp */
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;

        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }

        if (i == len || !krj_cell_digit(s[i])) {
            return 0;
        }

        while (i < len && krj_cell_digit(s[i])) {
            i++;
        }
    }

    return i == len;
}


uint32_t
krj_cell_json(krj_buf_t *b, const char *s, size_t len, double *num)
{
    double  v;

    *num = 0;

    if (len == 0) {
        krj_buf_str(b, "null");
        return KRJ_SNAP_NULL;
    }

    if (krj_cell_is_json_number(s, len)) {
        v = strtod(s, NULL);

        if (isfinite(v)) {
            *num = v;
            krj_buf_append(b, s, len);
            return KRJ_SNAP_NUMBER;
        }
    }

    krj_cell_json_string(b, s, len);

    return KRJ_SNAP_STRING;
}


void
krj_cell_json_string(krj_buf_t *b, const char *s, size_t len)
{
    size_t  n;

    n = krj_json_escape(NULL, s, len);

    if (krj_buf_grow(b, n + 2) != 0) {
        return;
    }

    b->data[b->len++] = '"';
    b->len += krj_json_escape((char *) b->data + b->len, s, len);
    b->data[b->len++] = '"';
}


int
krj_cell_csv_needs_quotes(const char *s, size_t len)
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
krj_cell_csv_field(krj_buf_t *b, const char *s, size_t len)
{
    size_t  i;

    if (!krj_cell_csv_needs_quotes(s, len)) {
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

