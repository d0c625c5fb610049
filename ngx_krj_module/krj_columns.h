
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_COLUMNS_H_INCLUDED_
#define _KRJ_COLUMNS_H_INCLUDED_


/*
 * The columns krj knows: the 14 of the weekly signal schema, with the
 * label and the tooltip of the original dashboard and the way it shows
 * their values.  One table for every program that explains a column: the
 * glossary of GET /categories, and the dashboard's headers and cells that
 * krj-batch pre-renders.  Plain C, nothing of nginx.
 *
 * krj stays schema-agnostic: a column not in the table is served as it
 * is, only without a glossary entry.
 */


#include <stddef.h>


/* krj_column_t.format: how a value is shown (the original's formatters) */
#define KRJ_COLUMN_TEXT         0   /* as it is: "AAPL", "Long" */
#define KRJ_COLUMN_PRICE        1   /* 2 decimals: 259.37 */
#define KRJ_COLUMN_PERCENT_1    2   /* x100, 1 decimal: -6.1% */
#define KRJ_COLUMN_PERCENT_0    3   /* x100, whole: 174% */
#define KRJ_COLUMN_PERCENT_2    4   /* x100, 2 decimals: 1.52% */
#define KRJ_COLUMN_MILLIONS     5   /* 1 decimal, "M": 42.2M */
#define KRJ_COLUMN_BILLIONS     6   /* 2 decimals, "B": 11.46B */
#define KRJ_COLUMN_INTEGER      7   /* no decimals: 62 */


typedef struct {
    const char                 *name;           /* as in the CSV header */
    const char                 *label;          /* "Fri Close" */
    const char                 *description;    /* one sentence */
    /* the dashboard's header tooltip; "{date}" is the signal date */
    const char                 *tooltip;
    unsigned                    format;         /* KRJ_COLUMN_* */
} krj_column_t;


/* the dashboard right-aligns the columns of every format but text */
#define krj_column_numeric(col)  ((col)->format != KRJ_COLUMN_TEXT)


/* the known column of that exact name (names are case-sensitive), or NULL */
const krj_column_t *krj_column_find(const char *name, size_t len);

/* the i-th known column, in the schema's order; NULL past the last */
const krj_column_t *krj_column_get(unsigned i);


#endif /* _KRJ_COLUMNS_H_INCLUDED_ */
