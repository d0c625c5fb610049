
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_TEST_H_INCLUDED_
#define _KRJ_TEST_H_INCLUDED_


#include <stdlib.h>

#include <check.h>


/* the writer of the snapshots the tests build, as krj-batch names itself */
#define KRJ_TEST_WRITER         "krj-batch " KRJ_VERSION


/* every test file ends with KRJ_TEST_MAIN(its_suite_function) */
#define KRJ_TEST_MAIN(suite)                                                  \
    int                                                                       \
    main(void)                                                                \
    {                                                                         \
        int       failed;                                                     \
        SRunner  *sr;                                                         \
                                                                              \
        sr = srunner_create(suite());                                         \
        srunner_run_all(sr, CK_NORMAL);                                       \
        failed = srunner_ntests_failed(sr);                                   \
        srunner_free(sr);                                                     \
                                                                              \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                          \
    }


#endif /* _KRJ_TEST_H_INCLUDED_ */
