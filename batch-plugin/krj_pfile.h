
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PFILE_H_INCLUDED_
#define _KRJ_PFILE_H_INCLUDED_


#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "krj_conf.h"
#include "krj_principal.h"
#include "krj_publish.h"


/* a key or user file larger than this is not one krj-batch wrote */
#define KRJ_PFILE_MAX       KRJ_PRINCIPAL_FILE_MAX

/* the module's workers read it through the group; nobody else may */
#define KRJ_PFILE_MODE      0640


/*
 * A principal file (keys or users) read whole, to be listed or rewritten.
 * A missing file reads as empty.  Opened for update, its directory is
 * created when missing and flock()ed, so that two concurrent "add"s
 * cannot both read the old file and one lose the other's line.
 */
typedef struct {
    const char     *path;
    char            dir[PATH_MAX];
    char            name[PATH_MAX];
    uint8_t        *data;
    size_t          len;
    int             exists;
    struct stat     st;                 /* of the file, when it exists */
    int             lock;               /* the locked directory, or -1 */
} krj_pfile_t;


/* one line: data[start, start + len) without '\n', next is past it */
typedef struct {
    size_t          start;
    size_t          len;
    size_t          next;
    unsigned        number;
} krj_pline_t;


int krj_pfile_open(krj_pfile_t *pf, const char *path, int update,
    char *err);
/* set l->next = 0 and number = 0 first; 0 after the last line */
int krj_pfile_next_line(const krj_pfile_t *pf, krj_pline_t *l);
/*
 * Replaces the file atomically, keeping its owner and group; a file that
 * is created gets group (which may be NULL or name none).
 */
int krj_pfile_write(krj_pfile_t *pf, const void *data, size_t len,
    const krj_conf_group_t *group, char *err);
void krj_pfile_close(krj_pfile_t *pf);


#endif /* _KRJ_PFILE_H_INCLUDED_ */
