
/*
 * Copyright (C) The krj developers
 */


#include <time.h>

#include "krj_date.h"
#include "krj_out.h"


static void krj_date_digits(char *p, unsigned v, int n);


int
krj_date_valid(long y, unsigned m, unsigned d)
{
    unsigned  mdays;

    if (y < KRJ_DATE_MIN_YEAR || y > KRJ_DATE_MAX_YEAR
        || m < 1 || m > 12 || d < 1)
    {
        return 0;
    }

    if (m == 2) {
        mdays = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;

    } else if (m == 4 || m == 6 || m == 9 || m == 11) {
        mdays = 30;

    } else {
        mdays = 31;
    }

    return d <= mdays;
}


long
krj_date_days(long y, unsigned m, unsigned d)
{
    long      era;
    unsigned  yoe, doy, doe;

    /* the year starts in March, so that the leap day is its last */
    if (m <= 2) {
        y--;
    }

    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (long) doe - 719468;
}


void
krj_date_civil(long days, long *y, unsigned *m, unsigned *d)
{
    long      era, z;
    unsigned  doe, yoe, doy, mp;

    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long) yoe + era * 400 + (*m <= 2);
}


int
krj_date_parse(const char *p, size_t len, long *days, char *err)
{
    long       y;
    size_t     i;
    unsigned   m, d;
    krj_out_t  o;

    if (len != KRJ_DATE_LEN) {
        goto invalid;
    }

    for (i = 0; i < KRJ_DATE_LEN; i++) {
        if (i == 4 || i == 7) {
            if (p[i] != '-') {
                goto invalid;
            }

        } else if (p[i] < '0' || p[i] > '9') {
            goto invalid;
        }
    }

    y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10
        + (p[3] - '0');
    m = (p[5] - '0') * 10 + (p[6] - '0');
    d = (p[8] - '0') * 10 + (p[9] - '0');

    if (!krj_date_valid(y, m, d)) {
        goto invalid;
    }

    *days = krj_date_days(y, m, d);

    return 0;

invalid:

    /* krj_out, not libc: /ready and /metrics read dates per request */

    if (err != NULL) {
        krj_out_init(&o, err);
        krj_out_fmt(&o, "date \"%r\" is not a real YYYY-MM-DD date from %u "
                    "to %u", p, len > 32 ? (size_t) 32 : len,
                    (unsigned) KRJ_DATE_MIN_YEAR,
                    (unsigned) KRJ_DATE_MAX_YEAR);
        err[o.len] = '\0';
    }

    return -1;
}


void
krj_date_format(long days, char *buf)
{
    long      y;
    unsigned  m, d;

    krj_date_civil(days, &y, &m, &d);

    krj_date_digits(buf, (unsigned) y, 4);
    buf[4] = '-';
    krj_date_digits(buf + 5, m, 2);
    buf[7] = '-';
    krj_date_digits(buf + 8, d, 2);
    buf[KRJ_DATE_LEN] = '\0';
}


void
krj_date_iso(int64_t t, char *buf)
{
    long      days;
    unsigned  s;

    if (t < 0) {
        t = 0;

    } else if (t > (int64_t) (KRJ_DATE_MAX_DAYS + 1) * KRJ_SECONDS_PER_DAY
                   - 1)
    {
        t = (int64_t) (KRJ_DATE_MAX_DAYS + 1) * KRJ_SECONDS_PER_DAY - 1;
    }

    days = (long) (t / KRJ_SECONDS_PER_DAY);
    s = (unsigned) (t % KRJ_SECONDS_PER_DAY);

    krj_date_format(days, buf);

    buf[10] = 'T';
    krj_date_digits(buf + 11, s / 3600, 2);
    buf[13] = ':';
    krj_date_digits(buf + 14, s / 60 % 60, 2);
    buf[16] = ':';
    krj_date_digits(buf + 17, s % 60, 2);
    buf[19] = 'Z';
    buf[KRJ_DATE_ISO_LEN] = '\0';
}


long
krj_date_today(void)
{
    return (long) (time(NULL) / KRJ_SECONDS_PER_DAY);
}


static void
krj_date_digits(char *p, unsigned v, int n)
{
    while (n--) {
        p[n] = (char) ('0' + v % 10);
        v /= 10;
    }
}
