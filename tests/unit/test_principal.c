
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "krj_test.h"
#include "krj_keygen.h"
#include "krj_principal.h"


#define HEX64                                                                 \
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define DIGEST  "sha256:" HEX64
#define BCRYPT                                                                \
    "$2b$10$abcdefghijklmnopqrstuuJm9XlD0Yq3E0vE6w6k3gV5QHq2a8FqK"


static char  err[KRJ_PRINCIPAL_ERRLEN];


static int
key(const char *line, krj_key_entry_t *e)
{
    err[0] = '\0';
    return krj_key_line_parse(line, strlen(line), e, err);
}


static int
user(const char *line, krj_user_entry_t *e)
{
    err[0] = '\0';
    return krj_user_line_parse(line, strlen(line), e, err);
}


static int
span_is(krj_span_t s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.data, text, s.len) == 0;
}


/* a key line refused, with a reason that contains the text given */
#define KEY_BAD(line, reason)                                                 \
    do {                                                                      \
        krj_key_entry_t  e_;                                                  \
                                                                              \
        ck_assert_msg(key(line, &e_) == KRJ_LINE_BAD, "accepted: %s", line);  \
        ck_assert_msg(strstr(err, reason) != NULL, "%s: reason \"%s\"",       \
                      line, err);                                             \
    } while (0)


#define USER_BAD(line, reason)                                                \
    do {                                                                      \
        krj_user_entry_t  e_;                                                 \
                                                                              \
        ck_assert_msg(user(line, &e_) == KRJ_LINE_BAD, "accepted: %s", line); \
        ck_assert_msg(strstr(err, reason) != NULL, "%s: reason \"%s\"",       \
                      line, err);                                             \
    } while (0)


START_TEST(test_key_line_full)
{
    long             d;
    krj_key_entry_t  e;

    ck_assert_int_eq(key("ci-bot:" DIGEST ":sp500,sp100:rate=600r/m,"
                         "expires=2027-01-01,created=2026-11-22", &e),
                     KRJ_LINE_ENTRY);
    ck_assert(span_is(e.id, "ci-bot"));
    ck_assert(span_is(e.digest, DIGEST));
    ck_assert(span_is(e.scopes, "sp500,sp100"));
    ck_assert(span_is(e.options, "rate=600r/m,expires=2027-01-01,"
                                 "created=2026-11-22"));
    ck_assert_uint_eq(e.rate, 600);
    ck_assert_int_eq(e.rate_unit, 'm');

    ck_assert_int_eq(krj_date_parse("2027-01-01", 10, &d, err), 0);
    ck_assert_int_eq(e.expires, d);
    ck_assert_int_eq(krj_date_parse("2026-11-22", 10, &d, err), 0);
    ck_assert_int_eq(e.created, d);
}
END_TEST


START_TEST(test_key_line_minimal)
{
    krj_key_entry_t  e;

    ck_assert_int_eq(key("a:" DIGEST ":*", &e), KRJ_LINE_ENTRY);
    ck_assert(span_is(e.id, "a"));
    ck_assert(span_is(e.scopes, "*"));
    ck_assert_uint_eq(e.options.len, 0);
    ck_assert_uint_eq(e.rate, 0);
    ck_assert_int_eq(e.expires, -1);
    ck_assert_int_eq(e.created, -1);

    ck_assert_int_eq(key("A.b_c-9:" DIGEST ":*,metrics,admin:rate=10r/s",
                         &e), KRJ_LINE_ENTRY);
    ck_assert_uint_eq(e.rate, 10);
    ck_assert_int_eq(e.rate_unit, 's');

    /* an empty options field is no options; a CRLF line is accepted */
    ck_assert_int_eq(key("a:" DIGEST ":sp500:", &e), KRJ_LINE_ENTRY);
    ck_assert_uint_eq(e.options.len, 0);
    ck_assert_int_eq(key("a:" DIGEST ":sp500\r", &e), KRJ_LINE_ENTRY);
    ck_assert(span_is(e.scopes, "sp500"));

    ck_assert_int_eq(key("metrics-only:" DIGEST ":metrics", &e),
                     KRJ_LINE_ENTRY);
}
END_TEST


START_TEST(test_key_line_skip)
{
    krj_key_entry_t  e;

    ck_assert_int_eq(key("", &e), KRJ_LINE_SKIP);
    ck_assert_int_eq(key("# a:" DIGEST ":*", &e), KRJ_LINE_SKIP);
    ck_assert_int_eq(key("#", &e), KRJ_LINE_SKIP);
    ck_assert_int_eq(key("  \t\r", &e), KRJ_LINE_SKIP);
}
END_TEST


START_TEST(test_key_line_bad_id)
{
    KEY_BAD(":" DIGEST ":*", "1 to 64");
    KEY_BAD("a b:" DIGEST ":*", "character");
    KEY_BAD(" a:" DIGEST ":*", "character");
    KEY_BAD("a@b:" DIGEST ":*", "character");
    KEY_BAD("a/b:" DIGEST ":*", "character");
    KEY_BAD("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            ":" DIGEST ":*", "1 to 64");
    KEY_BAD("just-an-id", "expected id:digest:scopes");
}
END_TEST


START_TEST(test_key_line_bad_digest)
{
    krj_key_entry_t  e;

    /* exactly 64 characters of id are fine */
    ck_assert_int_eq(key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:" DIGEST ":*", &e),
                     KRJ_LINE_ENTRY);

    KEY_BAD("a:" HEX64 ":*", "does not start with");
    KEY_BAD("a:sha512:" HEX64 ":*", "does not start with");
    KEY_BAD("a:sha256:" HEX64 "0:*", "65 hex digits");
    KEY_BAD("a:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c1"
            "5b0f00a0:*", "63 hex digits");
    KEY_BAD("a:sha256::*", "0 hex digits");
    KEY_BAD("a:sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15"
            "B0F00A08:*", "lower-case hex");
    KEY_BAD("a:sha256:9g86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15"
            "b0f00a08:*", "lower-case hex");
    KEY_BAD("a:" DIGEST, "no scopes");
}
END_TEST


START_TEST(test_key_line_bad_scope)
{
    KEY_BAD("a:" DIGEST "::", "no scopes");
    KEY_BAD("a:" DIGEST ":SP500", "SP500");
    KEY_BAD("a:" DIGEST ":sp500,,sp100", "empty scope");
    KEY_BAD("a:" DIGEST ":sp500,", "empty scope");
    KEY_BAD("a:" DIGEST ":,sp500", "empty scope");
    KEY_BAD("a:" DIGEST ":sp-500", "sp-500");
    KEY_BAD("a:" DIGEST ":sp500 ", "sp500 ");
    KEY_BAD("a:" DIGEST ":**", "**");
}
END_TEST


START_TEST(test_key_line_bad_options)
{
    KEY_BAD("a:" DIGEST ":*:rate=0r/s", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=10r/h", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=10", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=r/s", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=-1r/s", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=1000001r/s", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=99999999999999999999r/s", "rate");
    KEY_BAD("a:" DIGEST ":*:rate=10r/ss", "rate");
    KEY_BAD("a:" DIGEST ":*:expires=2027-13-01", "date");
    KEY_BAD("a:" DIGEST ":*:expires=2027-02-29", "date");
    KEY_BAD("a:" DIGEST ":*:expires=2027-1-01", "date");
    KEY_BAD("a:" DIGEST ":*:expires=27-01-01", "date");
    KEY_BAD("a:" DIGEST ":*:expires=2027-01-00", "date");
    KEY_BAD("a:" DIGEST ":*:expires=1969-12-31", "date");
    KEY_BAD("a:" DIGEST ":*:expires=2027/01/01", "date");
    KEY_BAD("a:" DIGEST ":*:created=yesterday", "date");
    KEY_BAD("a:" DIGEST ":*:expire=2027-01-01", "unknown option");
    KEY_BAD("a:" DIGEST ":*:rate", "name=value");
    KEY_BAD("a:" DIGEST ":*:rate=1r/s,rate=2r/s", "given twice");
    KEY_BAD("a:" DIGEST ":*:expires=2027-01-01,expires=2028-01-01",
            "given twice");
    KEY_BAD("a:" DIGEST ":*:rate=1r/s,", "empty option");
    KEY_BAD("a:" DIGEST ":*:rate=1r/s,,created=2026-01-01", "name=value");
    KEY_BAD("a:" DIGEST ":*:rate=1r/s:x", "too many fields");
}
END_TEST


START_TEST(test_dates)
{
    long  d;
    char  buf[11];

    ck_assert_int_eq(krj_date_parse("1970-01-01", 10, &d, err), 0);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(krj_date_parse("2000-03-01", 10, &d, err), 0);
    ck_assert_int_eq(d, 11017);
    ck_assert_int_eq(krj_date_parse("2024-02-29", 10, &d, err), 0);
    krj_date_format(d, buf);
    ck_assert_str_eq(buf, "2024-02-29");
    ck_assert_int_eq(krj_date_parse("2100-02-29", 10, &d, err), -1);
    ck_assert_int_eq(krj_date_parse("2000-02-29", 10, &d, err), 0);
    ck_assert_int_eq(krj_date_parse("2026-04-31", 10, &d, err), -1);
    ck_assert_int_eq(krj_date_parse("2026-12-31", 10, &d, err), 0);
    krj_date_format(d, buf);
    ck_assert_str_eq(buf, "2026-12-31");
    ck_assert_int_eq(krj_date_parse("2026-12-31x", 11, &d, err), -1);

    krj_date_format(krj_date_today(), buf);
    ck_assert_int_eq(krj_date_parse(buf, 10, &d, err), 0);
    ck_assert_int_eq(d, krj_date_today());
}
END_TEST


START_TEST(test_names)
{
    ck_assert_int_eq(krj_name_check("a@b.c", 5, KRJ_NAME_USER, err), 0);
    ck_assert_int_eq(krj_name_check("a@b.c", 5, KRJ_NAME_KEY, err), -1);
    ck_assert_int_eq(krj_name_check("", 0, KRJ_NAME_USER, err), -1);
    ck_assert_int_eq(krj_name_check("a:b", 3, KRJ_NAME_USER, err), -1);
    ck_assert_int_eq(krj_name_check("\xc3\xa9", 2, KRJ_NAME_USER, err), -1);
}
END_TEST


START_TEST(test_user_lines)
{
    krj_user_entry_t  e;

    ck_assert_int_eq(user("alice:" BCRYPT, &e), KRJ_LINE_ENTRY);
    ck_assert(span_is(e.name, "alice"));
    ck_assert(span_is(e.hash, BCRYPT));
    ck_assert_uint_eq(e.scopes.len, 0);
    ck_assert_str_eq(e.scheme, "bcrypt");

    ck_assert_int_eq(user("bob@example.com:" BCRYPT ":sp500,metrics", &e),
                     KRJ_LINE_ENTRY);
    ck_assert(span_is(e.name, "bob@example.com"));
    ck_assert(span_is(e.scopes, "sp500,metrics"));

    ck_assert_int_eq(user("y:$2y$05$abcdefghijklmnopqrstuuJm9XlD0Yq3E0vE6w6k3g"
                          "V5QHq2a8FqK", &e), KRJ_LINE_ENTRY);
    ck_assert_str_eq(e.scheme, "bcrypt");
    ck_assert_int_eq(user("s:$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5i"
                          "wMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.", &e),
                     KRJ_LINE_ENTRY);
    ck_assert_str_eq(e.scheme, "sha512-crypt");
    ck_assert_int_eq(user("a:$apr1$salt$abc", &e), KRJ_LINE_ENTRY);
    ck_assert_str_eq(e.scheme, "apr1");
    ck_assert_int_eq(user("h:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=", &e),
                     KRJ_LINE_ENTRY);
    ck_assert_str_eq(e.scheme, "sha1");
    ck_assert_int_eq(user("d:abJnggxhB/yWI", &e), KRJ_LINE_ENTRY);
    ck_assert_str_eq(e.scheme, "des-crypt");
    ck_assert_int_eq(user("c:" BCRYPT "\r", &e), KRJ_LINE_ENTRY);
    ck_assert(span_is(e.hash, BCRYPT));

    ck_assert_int_eq(user("# alice:x", &e), KRJ_LINE_SKIP);
    ck_assert_int_eq(user("", &e), KRJ_LINE_SKIP);
}
END_TEST


START_TEST(test_user_lines_bad)
{
    USER_BAD("alice", "expected user:hash");
    USER_BAD(":" BCRYPT, "1 to 64");
    USER_BAD("al ice:" BCRYPT, "character");
    USER_BAD("alice:", "hash");
    USER_BAD("alice:nothash", "hash");
    USER_BAD("alice:$2b$10$short", "hash");
    USER_BAD("alice:$2b$10$abcdefghijklmnopqrstuuJm9XlD0Yq3E0vE6w6k3gV5QHq2a8F"
             "q!", "hash");
    USER_BAD("alice:{SHA}short", "hash");
    USER_BAD("alice:$6$salt hash", "hash");
    USER_BAD("alice:" BCRYPT ":", "empty scopes");
    USER_BAD("alice:" BCRYPT ":Sp500", "Sp500");
    USER_BAD("alice:" BCRYPT ":sp500:x", "too many fields");
}
END_TEST


START_TEST(test_line_name)
{
    krj_span_t  s;

    s = krj_line_name("ci-bot:whatever", 15);
    ck_assert(span_is(s, "ci-bot"));
    s = krj_line_name("broken line", 11);
    ck_assert(span_is(s, "broken line"));
    s = krj_line_name("#x:y", 4);
    ck_assert_ptr_null(s.data);
}
END_TEST


START_TEST(test_key_generate)
{
    int     i;
    char    k1[KRJ_KEY_LEN + 1], k2[KRJ_KEY_LEN + 1];
    char    digest[KRJ_DIGEST_LEN + 1];
    char    hex[2 * SHA256_DIGEST_LENGTH + 1];
    u_char  md[SHA256_DIGEST_LENGTH];

    ck_assert_int_eq(krj_key_generate(k1), 0);
    ck_assert_int_eq(krj_key_generate(k2), 0);

    ck_assert_uint_eq(strlen(k1), 47);
    ck_assert_int_eq(strncmp(k1, "krj_", 4), 0);
    ck_assert_str_ne(k1, k2);

    for (i = 4; i < KRJ_KEY_LEN; i++) {
        ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                             "wxyz0123456789-_", k1[i]) != NULL
                      && k1[i] != '\0', "key character %d: %c", i, k1[i]);
    }

    /* the last of 43 characters holds 4 bits and 2 zero bits */
    ck_assert_ptr_nonnull(strchr("AEIMQUYcgkosw048", k1[KRJ_KEY_LEN - 1]));

    ck_assert_int_eq(krj_key_digest(k1, strlen(k1), digest), 0);

    /* an independent digest: the one-shot SHA256(), not EVP_Digest() */
    SHA256((const u_char *) k1, strlen(k1), md);

    for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    ck_assert_int_eq(strncmp(digest, "sha256:", 7), 0);
    ck_assert_str_eq(digest + 7, hex);

    /* the digest makes a line the parser accepts */
    {
        char             line[256];
        krj_key_entry_t  e;

        snprintf(line, sizeof(line), "k:%s:*", digest);
        ck_assert_int_eq(key(line, &e), KRJ_LINE_ENTRY);
    }
}
END_TEST


START_TEST(test_key_digest_known)
{
    char  digest[KRJ_DIGEST_LEN + 1];

    /* SHA-256("test"), as printed by sha256sum */
    ck_assert_int_eq(krj_key_digest("test", 4, digest), 0);
    ck_assert_str_eq(digest, DIGEST);
}
END_TEST


/*
 * The corpus of tests/data/principals/, which krj-batch and nginx also
 * read in test_principal_agreement.py: line N of the corpus against line
 * N of its .expect, "skip", "ok", "ok expired", "ok revoked" or "bad: " and
 * the start of the reason.
 */
static void
corpus(const char *name, int users)
{
    int                rc;
    char               path[1024], exp[512];
    FILE              *f, *x;
    char              *nl, *text;
    size_t             len, cap;
    ssize_t            n;
    unsigned           lines, no;
    krj_key_entry_t    ke;
    krj_user_entry_t   ue;

    snprintf(path, sizeof(path), "%s/principals/%s", KRJ_TEST_DATA, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);

    snprintf(path, sizeof(path), "%s/principals/%s.expect", KRJ_TEST_DATA,
             name);
    x = fopen(path, "r");
    ck_assert_msg(x != NULL, "%s", path);

    text = NULL;
    cap = 0;
    lines = 0;

    while ((n = getline(&text, &cap, f)) != -1) {
        lines++;
        len = (size_t) n;

        if (len > 0 && text[len - 1] == '\n') {
            len--;
        }

        ck_assert_msg(fgets(exp, sizeof(exp), x) != NULL, "%s: no "
                      "expectation for line %u", name, lines);
        nl = strchr(exp, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }

        ck_assert_int_eq(sscanf(exp, "%u", &no), 1);
        ck_assert_uint_eq(no, lines);
        nl = strchr(exp, ' ') + 1;

        err[0] = '\0';
        rc = users ? krj_user_line_parse(text, len, &ue, err)
                   : krj_key_line_parse(text, len, &ke, err);

        if (strcmp(nl, "skip") == 0) {
            ck_assert_msg(rc == KRJ_LINE_SKIP, "%s:%u: %d", name, lines, rc);

        } else if (strncmp(nl, "ok", 2) == 0) {
            ck_assert_msg(rc == KRJ_LINE_ENTRY, "%s:%u: refused: %s", name,
                          lines, err);

        } else {
            ck_assert_msg(strncmp(nl, "bad: ", 5) == 0, "%s", nl);
            ck_assert_msg(rc == KRJ_LINE_BAD, "%s:%u: accepted", name,
                          lines);
            ck_assert_msg(strncmp(err, nl + 5, strlen(nl + 5)) == 0,
                          "%s:%u: reason \"%s\", expected \"%s...\"", name,
                          lines, err, nl + 5);
        }
    }

    ck_assert_msg(fgets(exp, sizeof(exp), x) == NULL, "%s: more "
                  "expectations than lines", name);
    ck_assert_uint_gt(lines, 20);

    free(text);
    fclose(f);
    fclose(x);
}


START_TEST(test_corpus_keys)
{
    corpus("keys", 0);
}
END_TEST


START_TEST(test_corpus_users)
{
    corpus("users", 1);
}
END_TEST


static Suite *
principal_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("principal");
    tc = tcase_create("core");

    tcase_add_test(tc, test_key_line_full);
    tcase_add_test(tc, test_key_line_minimal);
    tcase_add_test(tc, test_key_line_skip);
    tcase_add_test(tc, test_key_line_bad_id);
    tcase_add_test(tc, test_key_line_bad_digest);
    tcase_add_test(tc, test_key_line_bad_scope);
    tcase_add_test(tc, test_key_line_bad_options);
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_user_lines);
    tcase_add_test(tc, test_user_lines_bad);
    tcase_add_test(tc, test_line_name);
    tcase_add_test(tc, test_key_generate);
    tcase_add_test(tc, test_key_digest_known);
    tcase_add_test(tc, test_corpus_keys);
    tcase_add_test(tc, test_corpus_users);

    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(principal_suite)
