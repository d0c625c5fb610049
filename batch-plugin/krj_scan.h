
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SCAN_H_INCLUDED_
#define _KRJ_SCAN_H_INCLUDED_


#include <limits.h>
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


typedef struct {
    long        today;              /* days since 1970-01-01, UTC */
    unsigned    max_future;         /* the most days after today a file
                                       may be dated */
    int         follow_symlinks;    /* to regular files inside the dir */
} krj_scan_conf_t;


/* the input directory, open for the scan and the reads that follow it */
typedef struct {
    const char *path;               /* as given, for messages */
    char        real[PATH_MAX];     /* realpath() */
    int         fd;
} krj_scan_dir_t;


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

/* 0, or -1 with errno set */
int krj_scan_dir_open(krj_scan_dir_t *d, const char *path);
void krj_scan_dir_close(krj_scan_dir_t *d);

/*
 * Lists the directory and returns the newest file per category, sorted by
 * slug, in a malloc()ed array (free() it).  Only regular files count: any
 * other entry with a signal file's name, and a symbolic link unless
 * followed, is skipped with a warning.  Returns the count, or -1 when the
 * directory cannot be read (errno set).
 */
int krj_scan_dir(const krj_scan_dir_t *d, const krj_scan_conf_t *sc,
    krj_scan_entry_t **entries);

/*
 * Picks the newest per slug from a list of names, refusing a date more
 * than sc->max_future days after sc->today; used by krj_scan_dir.
 */
int krj_scan_names(const char *const *names, size_t n,
    const krj_scan_conf_t *sc, krj_scan_entry_t **entries);

/*
 * Opens an entry that krj_scan_dir() returned, for reading, such that it
 * cannot have been swapped since the scan for something the scan refused:
 * never blocking, not through a link that the entry is not, and a link
 * only to inside the directory.  Returns the descriptor (read it with
 * krj_file_read_fd(), which requires a regular file), or -1 with the
 * reason in err (KRJ_PUBLISH_ERRLEN bytes).
 */
int krj_scan_open(const krj_scan_dir_t *d, const krj_scan_conf_t *sc,
    const krj_scan_entry_t *e, char *err);


#endif /* _KRJ_SCAN_H_INCLUDED_ */
