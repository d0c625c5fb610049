
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_MIGRATE_H_INCLUDED_
#define _KRJ_MIGRATE_H_INCLUDED_


#include "krj_conf.h"


/* one file of batch-plugin/sql/, carried in the program */
typedef struct {
    int             version;            /* NNNN of NNNN_name.sql */
    const char     *name;
    const char     *sql;
} krj_migration_t;


/* generated from batch-plugin/sql/ (scripts/embed-sql.sh); version 0 ends */
extern const krj_migration_t  krj_migrations[];


/* the newest schema version this krj-batch knows */
int krj_migrate_latest(void);

/* "krj-batch migrate": a KRJ_EXIT_* status */
int krj_migrate(const krj_conf_t *conf);


#endif /* _KRJ_MIGRATE_H_INCLUDED_ */
