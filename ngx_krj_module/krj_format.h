
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_FORMAT_H_INCLUDED_
#define _KRJ_FORMAT_H_INCLUDED_


/*
 * The text a dashboard cell shows: the original dashboard's formatters
 * (krj_columns.h formats) with JavaScript's semantics, so the page says
 * what the original said for the same number.  krj-batch formats every
 * cell once, at publication; nothing here runs per request.  Plain C,
 * nothing of nginx; it uses libc's exact printf for the decimal digits.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_str.h"


/* the longest text a number format writes ("-1.2345678901234567e+308B") */
#define KRJ_FORMAT_LEN      40

/* the most fraction digits krj_format_fixed() writes */
#define KRJ_FORMAT_DIGITS   10


/*
 * Number.prototype.toFixed(digits) for digits up to 10: the exact binary
 * value rounded half up on the magnitude, "-" kept for a negative x that
 * rounds to zero, String(x) from 1e21 on.  x must be finite.  Writes at
 * most KRJ_FORMAT_LEN bytes to buf; returns the length.
 */
size_t krj_format_fixed(char *buf, double x, unsigned digits);

/* the same from the exact decimal expansion always: the fast path's oracle */
size_t krj_format_fixed_exact(char *buf, double x, unsigned digits);

/* String(x) of JavaScript for |x| >= 1e21: "1e+21", "1.5e+300" */
size_t krj_format_exponent(char *buf, double x);

/*
 * The text of a cell of a column of format (KRJ_COLUMN_*): number is 1
 * when the raw text is a JSON number of value num.  A number is formatted
 * into buf (KRJ_FORMAT_LEN bytes); anything else is shown as written, and
 * a ticker without its "c:" prefix, so the result may point into raw.
 */
krj_str_t krj_format_cell(char *buf, unsigned format, int ticker,
    const char *raw, size_t len, int number, double num);


#endif /* _KRJ_FORMAT_H_INCLUDED_ */
