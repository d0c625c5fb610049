
/*
 * Copyright (C) The krj developers
 */


/*
 * JavaScript's number formatting, exactly.  toFixed() rounds the exact
 * binary value half up, which neither printf (half to even on the exact
 * value) nor rounding the double first (0.125 is exact, 1.005 is not)
 * does.  So the exact decimal expansion is printed first (a double has at
 * most 1074 binary, hence decimal, fraction digits, and glibc prints them
 * exactly), then rounded by hand.
 *
 * That expansion costs a printf of up to 1100 digits, and a dashboard of
 * 100,000 rows formats a million numbers.  Most need none of it: the
 * product x * 10^digits, rounded once, is within half an ulp of the exact
 * one, so unless its fraction is that close to one half, rounding it goes
 * the way rounding the exact value goes.  Near ties, and products of 2^52
 * and more, take the exact path.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_columns.h"
#include "krj_format.h"


/* fraction digits of the exact expansion of any double, and a margin */
#define KRJ_FORMAT_EXACT    1100


static const double  krj_format_pow10[KRJ_FORMAT_DIGITS + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10
};


static size_t krj_format_fixed_fast(char *buf, double x, unsigned digits);
static size_t krj_format_percent(char *buf, double x, unsigned digits);
static size_t krj_format_suffix(char *buf, double x, unsigned digits,
    char suffix);


size_t
krj_format_fixed(char *buf, double x, unsigned digits)
{
    size_t  n;

    if (digits > KRJ_FORMAT_DIGITS) {
        digits = KRJ_FORMAT_DIGITS;
    }

    n = krj_format_fixed_fast(buf, x, digits);

    return n ? n : krj_format_fixed_exact(buf, x, digits);
}


static size_t
krj_format_fixed_fast(char *buf, double x, unsigned digits)
{
    char      tmp[32], *p, *end;
    double    y, t, f;
    size_t    n;
    uint64_t  v;
    unsigned  i;

    y = fabs(x) * krj_format_pow10[digits];

    if (!(y < 0x1p52)) {
        return 0;
    }

    /* exact: t and y are multiples of y's ulp, and their difference < 1 */
    t = floor(y);
    f = y - t;

    /* y is off the exact product by at most y * 2^-53 */
    if (fabs(f - 0.5) <= y * 0x1p-50) {
        return 0;
    }

    v = (uint64_t) t + (f > 0.5);

    end = tmp + sizeof(tmp);
    p = end;

    for (i = 0; i < digits; i++) {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    }

    if (digits) {
        *--p = '.';
    }

    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    n = 0;

    if (x < 0) {
        buf[n++] = '-';
    }

    memcpy(buf + n, p, end - p);

    return n + (end - p);
}


size_t
krj_format_fixed_exact(char *buf, double x, unsigned digits)
{
    int      e, prec;
    char     exact[KRJ_FORMAT_EXACT + 32], *p, *dot, *last;
    size_t   n;
    double   ax;

    if (fabs(x) >= 1e21) {
        return krj_format_exponent(buf, x);
    }

    if (digits > KRJ_FORMAT_DIGITS) {
        digits = KRJ_FORMAT_DIGITS;
    }

    ax = fabs(x);

    /*
     * ax = f * 2^e with f in [0.5, 1): at most 53 - e fraction bits, and
     * as many fraction digits; one more than asked for decides the rounding
     */

    (void) frexp(ax, &e);
    prec = 53 - e;

    if (prec < (int) digits + 1) {
        prec = (int) digits + 1;
    }

    if (prec > KRJ_FORMAT_EXACT) {
        prec = KRJ_FORMAT_EXACT;
    }

    /* "0" then the digits: a carry out of the first digit has room */
    exact[0] = '0';
    snprintf(exact + 1, sizeof(exact) - 1, "%.*f", prec, ax);

    dot = strchr(exact, '.');
    last = dot + digits;            /* the last digit kept */

    if (last[1] >= '5') {
        for (p = last; p >= exact; p--) {
            if (*p == '.') {
                continue;
            }

            if (*p != '9') {
                (*p)++;
                break;
            }

            *p = '0';
        }
    }

    p = exact;

    /* the leading "0" unless the carry used it, or the integer is 0 */
    if (p[0] == '0' && p[1] != '.') {
        p++;
    }

    n = 0;

    /* toFixed keeps the sign of a negative number that rounds to zero */
    if (x < 0) {
        buf[n++] = '-';
    }

    if (digits == 0) {
        last = dot;

    } else {
        last = dot + digits + 1;
    }

    memcpy(buf + n, p, last - p);

    return n + (last - p);
}


/*
 * JavaScript writes a number from 1e21 on as the shortest mantissa that
 * reads back, then "e+" and the exponent: what %e writes at the smallest
 * precision that round-trips (%.16e, 17 digits, always does).
 */

size_t
krj_format_exponent(char *buf, double x)
{
    int     prec;
    char    tmp[KRJ_FORMAT_LEN];
    size_t  n;

    for (prec = 0; prec < 16; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, x);

        if (strtod(tmp, NULL) == x) {
            break;
        }
    }

    n = (size_t) snprintf(buf, KRJ_FORMAT_LEN, "%.*e", prec, x);

    return n < KRJ_FORMAT_LEN ? n : KRJ_FORMAT_LEN - 1;
}


krj_str_t
krj_format_cell(char *buf, unsigned format, int ticker, const char *raw,
    size_t len, int number, double num)
{
    krj_str_t  s;

    s.data = raw;
    s.len = len;

    if (ticker) {
        if (len >= 2 && raw[0] == 'c' && raw[1] == ':') {
            s.data = raw + 2;
            s.len = len - 2;
        }

        return s;
    }

    if (!number) {
        return s;
    }

    s.data = buf;

    switch (format) {

    case KRJ_COLUMN_PRICE:
        s.len = krj_format_fixed(buf, num, 2);
        break;

    case KRJ_COLUMN_PERCENT_1:
    case KRJ_COLUMN_PERCENT_2:

        /* beyond 1.8e306 the x100 overflows: show the text as written */
        if (!isfinite(num * 100)) {
            s.data = raw;
            s.len = len;
            break;
        }

        s.len = krj_format_percent(buf, num,
                                   format == KRJ_COLUMN_PERCENT_1 ? 1 : 2);
        break;

    case KRJ_COLUMN_PERCENT_0:

        /* Math.round(x * 100) + "%": half toward +infinity */
        num = floor(num * 100 + 0.5);

        if (!isfinite(num) || fabs(num) >= 1e21) {
            s.data = raw;
            s.len = len;
            break;
        }

        s.len = (size_t) snprintf(buf, KRJ_FORMAT_LEN, "%.0f%%",
                                  num == 0 ? 0.0 : num);
        break;

    case KRJ_COLUMN_MILLIONS:
        s.len = krj_format_suffix(buf, num, 1, 'M');
        break;

    case KRJ_COLUMN_BILLIONS:
        s.len = krj_format_suffix(buf, num, 2, 'B');
        break;

    case KRJ_COLUMN_INTEGER:
        s.len = krj_format_fixed(buf, num, 0);
        break;

    default: /* KRJ_COLUMN_TEXT */
        s.data = raw;
        s.len = len;
    }

    return s;
}


/* x100 in double arithmetic first, as the original's x * 100 */

static size_t
krj_format_percent(char *buf, double x, unsigned digits)
{
    size_t  n;

    n = krj_format_fixed(buf, x * 100, digits);
    buf[n++] = '%';

    return n;
}


static size_t
krj_format_suffix(char *buf, double x, unsigned digits, char suffix)
{
    size_t  n;

    n = krj_format_fixed(buf, x, digits);
    buf[n++] = suffix;

    return n;
}
