
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SCAN_H_INCLUDED_
#define _KRJ_SCAN_H_INCLUDED_


#include <stddef.h>


#define KRJ_SCAN_PREFIX     "KRJ_signals_latest_week_"
#define KRJ_SCAN_NAME_MAX   256
#define KRJ_SCAN_DATE_LEN   10

#define KRJ_SCAN_OK          0
#define KRJ_SCAN_NO_MATCH   -1
#define KRJ_SCAN_BAD_DATE   -2


/* the newest input file of one category */
typedef struct {
    char        category[KRJ_SCAN_NAME_MAX];    /* "ETFs_and_FX" */
    char        slug[KRJ_SCAN_NAME_MAX];        /* "etfs_fx" */
    char        label[KRJ_SCAN_NAME_MAX];       /* "ETFs / FX" */
    char        date[KRJ_SCAN_DATE_LEN + 1];    /* "2026-01-09" */
    char        file[KRJ_SCAN_NAME_MAX];        /* the base name */
} krj_scan_entry_t;


/*
 * Splits "KRJ_signals_latest_week_{CATEGORY}_{YYYY-MM-DD}.csv".  Returns
 * KRJ_SCAN_OK, KRJ_SCAN_NO_MATCH, or KRJ_SCAN_BAD_DATE when the name has
 * the right shape but the date is not a calendar date.
 */
int krj_scan_parse_name(const char *name, char *category, size_t size,
    char *date);
void krj_scan_slug(const char *category, char *slug, size_t size);
void krj_scan_label(const char *category, const char *slug, char *label,
    size_t size);

/*
 * Lists dir and returns the newest file per category, sorted by slug, in a
 * malloc()ed array (free() it).  Returns the count, or -1 when the
 * directory cannot be read (errno set).
 */
int krj_scan_dir(const char *dir, krj_scan_entry_t **entries);

/* picks the newest per slug from a list of names; used by krj_scan_dir */
int krj_scan_names(const char *const *names, size_t n,
    krj_scan_entry_t **entries);


#endif /* _KRJ_SCAN_H_INCLUDED_ */
