
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_DATE_H_INCLUDED_
#define _KRJ_DATE_H_INCLUDED_


/*
 * Calendar dates in UTC, the one implementation for both programs: file
 * name dates, expires= and created= in the key file, snapshot timestamps
 * and their ISO forms.  Plain arithmetic (proleptic Gregorian calendar),
 * no time zone and no libc time formatting, so it gives the same answer
 * in every process whatever TZ says.
 */


#include <stddef.h>
#include <stdint.h>


/* the dates krj accepts anywhere: 1970-01-01 to 9999-12-31 */
#define KRJ_DATE_MIN_YEAR   1970
#define KRJ_DATE_MAX_YEAR   9999
#define KRJ_DATE_MAX_DAYS   2932896             /* of 9999-12-31 */

#define KRJ_DATE_LEN        10                  /* "2026-01-09" */
#define KRJ_DATE_ISO_LEN    20                  /* "2026-01-09T18:00:00Z" */
#define KRJ_DATE_ERRLEN     96

#define KRJ_SECONDS_PER_DAY 86400


/* 1 when y-m-d is a real date in the years krj accepts */
int krj_date_valid(long y, unsigned m, unsigned d);

/* days since 1970-01-01 of a valid date (H. Hinnant's days_from_civil) */
long krj_date_days(long y, unsigned m, unsigned d);

/* the civil date of a day number from 0 to KRJ_DATE_MAX_DAYS */
void krj_date_civil(long days, long *y, unsigned *m, unsigned *d);

/*
 * "YYYY-MM-DD" exactly, a real date from 1970 to 9999: 0 with *days set,
 * or -1 with a reason in err (KRJ_DATE_ERRLEN bytes; err may be NULL).
 */
int krj_date_parse(const char *p, size_t len, long *days, char *err);

/* "YYYY-MM-DD" and a NUL into buf (KRJ_DATE_LEN + 1 bytes) */
void krj_date_format(long days, char *buf);

/*
 * "YYYY-MM-DDTHH:MM:SSZ" and a NUL into buf (KRJ_DATE_ISO_LEN + 1 bytes);
 * t is clamped to the years krj accepts.
 */
void krj_date_iso(int64_t t, char *buf);

/* today in UTC, as days since 1970-01-01 */
long krj_date_today(void);


#endif /* _KRJ_DATE_H_INCLUDED_ */
