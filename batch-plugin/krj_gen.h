
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_GEN_H_INCLUDED_
#define _KRJ_GEN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_conf.h"
#include "krj_csv.h"
#include "krj_scan.h"


/* the first 16 hex digits of the snapshot's checksum, as $krj_snapshot */
#define KRJ_GEN_LEN         16
#define KRJ_GEN_HOST_MAX    256
#define KRJ_GEN_SOURCE_MAX  (KRJ_SCAN_NAME_MAX + 16)


/* one category of a generation, with its validated bytes */
typedef struct {
    char            slug[KRJ_SCAN_NAME_MAX];
    char            label[KRJ_SCAN_NAME_MAX];
    char            signal_date[KRJ_SCAN_DATE_LEN + 1];
    char            source_file[KRJ_GEN_SOURCE_MAX];
    char            sha256[65];         /* hex, of csv.data */
    uint8_t        *data;               /* malloc()ed, owned; as read */
    size_t          len;
    krj_csv_t       csv;                /* csv.data, csv.len: the
                                           validated, published bytes
                                           (data without a BOM) */
    int             parsed;             /* csv is set */
    int             from_input;         /* 0: kept from the output dir */
} krj_gen_cat_t;


/*
 * A generation: what one snapshot is made of, and what is recorded in
 * PostgreSQL and announced on Redis about it.  The same structure comes
 * from a run's input, from an outbox item and, on a follower, from
 * PostgreSQL; krj_gen_publish() turns it into the same bytes everywhere.
 */
typedef struct {
    krj_gen_cat_t  *cats;               /* sorted by slug */
    uint32_t        ncats;

    /* in: 0 for now, or the ingesting run's; out: the snapshot's */
    int64_t         generated_at;

    uint8_t         input_digest[32];
    char            input_hex[65];
    char            generation[KRJ_GEN_LEN + 1];
    int             unchanged;          /* out: nothing was written */
    unsigned        published;          /* out: categories written */
    size_t          snapshot_len;

    /* about the run that made it */
    char            host[KRJ_GEN_HOST_MAX];
    int64_t         started_at;
    int64_t         finished_at;
    const char     *outcome;            /* "published", "partial" */
    unsigned        warnings;
} krj_gen_t;


/* allocates n zeroed categories; 0 or -1 */
int krj_gen_alloc(krj_gen_t *g, uint32_t n);
void krj_gen_free(krj_gen_t *g);

/* parses a category's bytes (unless parsed) and sets its sha256 */
int krj_gen_parse(krj_gen_cat_t *c, size_t max_size, char *err);

/* the input digest over every category; sets input_digest, input_hex */
void krj_gen_digest(krj_gen_t *g);

/*
 * Publishes the generation into conf->output: the CSVs of the categories
 * from the input, krj.snapshot and metadata.json, each staged first and
 * renamed in order.  Nothing is written when the published snapshot holds
 * this input already (and, with generated_at imposed, that time): then
 * unchanged is set, and generated_at and generation are the published
 * snapshot's.  0, or -1 (logged) when nothing was replaced.
 */
int krj_gen_publish(const krj_conf_t *conf, krj_gen_t *g);

/* the newest signal date of the generation, "" when empty */
const char *krj_gen_signal_date(const krj_gen_t *g);

/* the generation of a snapshot: hex of the first 8 checksum bytes */
void krj_gen_name(const uint8_t *checksum, char *generation);


#endif /* _KRJ_GEN_H_INCLUDED_ */
