
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PUBLISH_H_INCLUDED_
#define _KRJ_PUBLISH_H_INCLUDED_


#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "krj_snapshot_write.h"


#define KRJ_PUBLISH_ERRLEN  (2 * PATH_MAX + 256)
#define KRJ_SNAPSHOT_NAME   "krj.snapshot"
#define KRJ_METADATA_NAME   "metadata.json"


/*
 * A file written but not yet in place: the data is in a synced temporary
 * file in the destination's directory, so the rename is atomic.
 */
typedef struct {
    char        tmp[PATH_MAX];
    char        dst[PATH_MAX];
    int         staged;
} krj_stage_t;


/*
 * Reads a whole regular file of at most max bytes; *data is malloc()ed.
 * The _fd variant reads what fd has open, and closes it.
 */
int krj_file_read(const char *path, size_t max, uint8_t **data, size_t *len,
    char *err);
int krj_file_read_fd(int fd, size_t max, uint8_t **data, size_t *len,
    char *err);

/* mode: of the file once in place, e.g. 0644 */
int krj_stage_file(krj_stage_t *st, const char *dir, const char *name,
    const void *data, size_t len, mode_t mode, char *err);
int krj_stage_commit(krj_stage_t *st, char *err);
void krj_stage_discard(krj_stage_t *st);
int krj_sync_dir(const char *dir, char *err);
/* mkdir -p with mode 0755 */
int krj_make_dir(const char *dir, char *err);

/* metadata.json: a superset of run_krj_batch.py's; caller frees */
char *krj_metadata_render(const krj_snap_input_t *in, uint32_t n,
    const char *generated_at);
json_t *krj_metadata_read(const char *dir);

/* SHA-256 as 64 lower-case hex digits and a NUL */
int krj_sha256_hex(const uint8_t *p, size_t len, char *hex);


#endif /* _KRJ_PUBLISH_H_INCLUDED_ */
