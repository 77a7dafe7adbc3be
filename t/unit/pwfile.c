/* control/passwd as a whole: lines, their numbers in every message,
 * duplicates, edits that keep the other lines as they were, and the choice
 * of the record a dummy hash is made like. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "bytes.h"
#include "pwdbmake.h"
#include "pwfile.h"

#define Y1 "$y$j9T$AA2vBLIGC6JUT0QbTm9bT1$HJuD1OgEL/9/sAzYtgdQKzso5jxtehmhQHhF"
#define Y2 "$y$j9T$i5kPPuQ/ulRiJl5v1/61p0$fW9uIgOdQtwir8Ch2qDhCVC6nCMP/pR0jGRg"
#define YB "$y$jBT$KE07foOldGQx/bpu6mkbE.$xyz"
#define B1 "$2b$05$txB2tuyKMfq.kMRs1Qe/SeL6tJgkHDfmeY/sTx8pQB.3pBZOmvlyS"
#define B2 "$2b$05$805Dis661TsiwTpvu9znj.8cSDEBnthnvrvB9zUaI6AcUDfGwRqxu"
#define B3 "$2b$08$bIZGx4BMDe9QTtPBps0JPeabc"

struct errors {
    unsigned line[16];
    char text[16][300];
    int n;
};

static void collect(void *ctx, unsigned lineno, const char *message)
{
    struct errors *e = ctx;
    if (e->n < 16) {
        e->line[e->n] = lineno;
        strncpy(e->text[e->n], message, sizeof e->text[0] - 1);
        e->n++;
    }
}

static int parse(const char *text, struct pwfile *f, struct errors *e)
{
    memset(e, 0, sizeof *e);
    *f = (struct pwfile)PWFILE_INIT;
    return pwfile_parse(text, strlen(text), f, collect, e);
}

static void text_is(const struct pwfile *f, const char *want, const char *what)
{
    struct bytes out = BYTES_INIT(0);
    ok(pwfile_text(f, &out) == 0, "%s: text", what);
    is_mem(out.s, out.len, want, strlen(want), "  as wanted");
    bytes_free(&out);
}

static void test_lines(void)
{
    struct pwfile f;
    struct errors e;
    is_int(parse("", &f, &e), 0, "an empty file: no error");
    is_int((long long)f.n, 0, "  and no entry");
    pwfile_free(&f);

    const char *two = "alice:" Y1 ":1000:1000:/home/alice\n"
                      "bob:" B1 ":1001:100:/home/bob";
    is_int(parse(two, &f, &e), 0, "two lines, the last without LF");
    is_int((long long)f.n, 2, "  two entries");
    is_int(f.v[1].lineno, 2, "  the second on line 2");
    is_int(pwfile_find(&f, "bob", 3), 1, "  bob found");
    is_int(pwfile_find(&f, "bo", 2), -1, "  a prefix of a name is not it");
    is_int(pwfile_find(&f, "bobby", 5), -1, "  nor a longer name");
    text_is(&f,
            "alice:" Y1 ":1000:1000:/home/alice\nbob:" B1
            ":1001:100:/home/bob\n",
            "written back with every LF");
    pwfile_free(&f);
}

static void test_errors(void)
{
    struct pwfile f;
    struct errors e;
    const char *text = "alice:" Y1 ":1000:1000:/home/alice\n"
                       "\n"
                       "bob:" B1 ":x:100:/home/bob\n"
                       "carol:" Y2 ":1002:100:/home/carol\r\n"
                       "alice:" Y2 ":1003:100:/home/other\n"
                       "dave:" Y2 ":1004:100:/home/dave\n"
                       "alice:" B1 ":1005:100:/home/third\n";
    is_int(parse(text, &f, &e), 5, "five errors");
    static const unsigned lines[] = {2, 3, 4, 5, 7};
    for (int i = 0; i < 5 && i < e.n; i++)
        is_int(e.line[i], lines[i], e.text[i]);
    is_str(e.text[0], "an empty line", "  an empty line says so");
    is_str(e.text[3], "the name alice is already on line 1",
           "  a duplicate names the first line");
    is_int((long long)f.n, 2, "  the good lines are kept");
    ok(f.n == 2 && f.v[1].lineno == 6, "  dave, on line 6");
    pwfile_free(&f);
}

static void test_edits(void)
{
    struct pwfile f;
    struct errors e;
    parse("a:" Y1 ":1:1:/a\nb:" Y1 ":2:2:/b\nc:" Y1 ":3:3:/c\n", &f, &e);
    struct pwentry n;
    is_int(pwentry_make(&n, "d", B1, 4, 4, "/d"), PWRECORD_OK, "make d");
    ok(pwfile_append(&f, &n) == 0 && !n.own, "  appended, owned by the file");
    is_int(pwentry_make(&n, "b", Y2, 2, 2, "/b"), PWRECORD_OK, "make b");
    pwfile_replace(&f, 1, &n);
    is_int(f.v[1].lineno, 2, "  replaced b keeps its line number");
    pwfile_remove(&f, 0);
    text_is(&f, "b:" Y2 ":2:2:/b\nc:" Y1 ":3:3:/c\nd:" B1 ":4:4:/d\n",
            "after append, replace and remove");
    is_int(pwentry_make(&n, "x:y", Y1, 1, 1, "/x"), PWRECORD_FIELDS,
           "make: a ':' in a name is refused");
    ok(!n.own && !n.rec.name, "  and nothing is left to free");
    is_int(pwentry_make(&n, "x", "nohash", 1, 1, "/x"), PWRECORD_HASH,
           "make: a bad hash is refused");
    is_int(pwentry_make(&n, "x", Y1, 1, 1, "rel"), PWRECORD_HOME_RELATIVE,
           "make: a relative home is refused");
    pwfile_free(&f);
}

static void model_is(const char *text, long want, const char *what)
{
    struct pwfile f;
    struct errors e;
    parse(text, &f, &e);
    is_int(pwdb_dummy_model(&f), want, what);
    pwfile_free(&f);
}

static void test_model(void)
{
    model_is("", -1, "no entry: no model");
    model_is("a:" B3 ":1:1:/a\n", 0, "one entry: it");
    model_is("a:" B3 ":1:1:/a\nb:" Y1 ":1:1:/b\nc:" B1 ":1:1:/c\n"
             "d:" Y2 ":1:1:/d\ne:" B2 ":1:1:/e\nf:" YB ":1:1:/f\n"
             "g:" B2 ":1:1:/g\n",
             2, "the most common cost ($2b$05$, first on c)");
    model_is("a:" B3 ":1:1:/a\nb:" Y1 ":1:1:/b\nc:" B1 ":1:1:/c\n"
             "d:" Y2 ":1:1:/d\n",
             1, "a tie: the cost seen first (b's $y$j9T$)");
    model_is("a:" YB ":1:1:/a\nb:" B3 ":1:1:/b\n", 0,
             "all different: the first");
}

int main(void)
{
    test_lines();
    test_errors();
    test_edits();
    test_model();
    return done_testing();
}
