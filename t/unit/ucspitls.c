/* The UCSPI-TLS application side: finding the descriptors, the block parser
 * on every shape of block, reading a block from a socket with a deadline and
 * a size limit, and applying it to the environment. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "ucspitls.h"

/* What the parser handed out, as "NAME=value;" or "NAME;" (unset). */
struct seen {
    char text[1024];
    size_t len;
    int stop_after;
};

static int record(void *ctx, const char *name, size_t namelen,
                  const char *value, size_t valuelen)
{
    struct seen *s = ctx;
    int n;
    if (value)
        n = snprintf(s->text + s->len, sizeof s->text - s->len, "%.*s=%.*s;",
                     (int)namelen, name, (int)valuelen, value);
    else
        n = snprintf(s->text + s->len, sizeof s->text - s->len, "%.*s;",
                     (int)namelen, name);
    if (n > 0)
        s->len += (size_t)n;
    return s->stop_after && --s->stop_after == 0;
}

static void parses(const char *block, size_t len, const char *want,
                   size_t want_count, const char *name)
{
    struct seen s = {.len = 0};
    size_t count = 99;
    enum ucspitls_status st = ucspitls_parse(block, len, record, &s, &count);
    is_int(st, UCSPITLS_OK, name);
    is_str(s.text, want, "  its entries");
    is_int((long long)count, (long long)want_count, "  its entry count");
}

static void rejects(const char *block, size_t len, const char *name)
{
    struct seen s = {.len = 0};
    is_int(ucspitls_parse(block, len, record, &s, NULL), UCSPITLS_BADNAME,
           name);
    is_int((long long)s.len, 0, "  and the callback saw nothing");
}

#define B(lit) lit, sizeof lit - 1

static void test_parser(void)
{
    parses(B("\0\0"), "", 0, "empty block (\\0\\0)");
    parses(B("\0"), "", 0, "empty block (a lone NUL)");
    parses("", 0, "", 0, "no bytes at all");
    parses(B("SSL_PROTOCOL=TLSv1.3\0SSL_CIPHER=TLS_AES_128_GCM_SHA256\0\0"),
           "SSL_PROTOCOL=TLSv1.3;SSL_CIPHER=TLS_AES_128_GCM_SHA256;", 2,
           "double-NUL terminated");
    parses(B("A=1\0B=2\0\0C=3\0junk\xff\0"), "A=1;B=2;", 2,
           "bytes after the double NUL are ignored");
    parses(B("A=1\0B=2\0"), "A=1;B=2;", 2, "EOF-terminated (s6 style)");
    parses(B("A=1\0B=2"), "A=1;B=2;", 2,
           "EOF-terminated with the last NUL missing");
    parses(B("A=1\0GONE\0C=\0\0"), "A=1;GONE;C=;", 3,
           "an entry without = unsets; an empty value is a value");
    parses(B("A=b=c\0\0"), "A=b=c;", 1, "only the first = splits");
    parses(B("SSL_TLS_SNI_SERVERNAME=mx.example\0\0"),
           "SSL_TLS_SNI=mx.example;", 1, "s6's SNI name is mapped");
    parses(B("SSL_TLS_SNI_SERVERNAME\0\0"), "SSL_TLS_SNI;", 1,
           "s6's SNI name is mapped when unset too");
    parses(B("SSL_TLS_SNI_SERVERNAMEX=a\0\0"), "SSL_TLS_SNI_SERVERNAMEX=a;", 1,
           "a longer name is not mapped");
    parses(B("_x9=\x01\x7f\n\0\0"), "_x9=\x01\x7f\n;", 1,
           "values may hold any byte but NUL");

    rejects(B("=x\0\0"), "an empty name");
    rejects(B("1A=x\0\0"), "a name starting with a digit");
    rejects(B("A-B=x\0\0"), "a name with a dash");
    rejects(B("A B=x\0\0"), "a name with a space");
    rejects(B("A=1\0B\xc3\xa9=2\0\0"), "a name with non-ASCII bytes");
    rejects(B("A=1\0B.C\0\0"), "an unset entry with a dot");

    struct seen s = {.len = 0, .stop_after = 1};
    is_int(ucspitls_parse(B("A=1\0B=2\0\0"), record, &s, NULL),
           UCSPITLS_STOPPED, "the callback can stop the walk");
    is_str(s.text, "A=1;", "  after the first entry");
    size_t count = 0;
    is_int(ucspitls_parse(B("A=1\0B=2\0\0"), NULL, NULL, &count), UCSPITLS_OK,
           "a NULL callback checks only");
    is_int((long long)count, 2, "  and counts");
}

/* A server side on a socketpair: a child writes parts (with a pause between
 * them) and maybe closes. Returns the application's end. */
static int fake_server(pid_t *pid, const char *const parts[],
                       const size_t lens[], int close_at_end)
{
    int sv[2];
    *pid = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        close(sv[0]);
        char c;
        if (read(sv[1], &c, 1) != 1 || c != 'Y')
            _exit(2);
        for (int i = 0; parts[i]; i++) {
            if (i)
                poll(NULL, 0, 50);
            if (write(sv[1], parts[i], lens[i]) != (ssize_t)lens[i])
                _exit(3);
        }
        if (close_at_end) {
            close(sv[1]);
            _exit(0);
        }
        poll(NULL, 0, 3000); /* keeps the socket open, as sslserver -n */
        _exit(0);
    }
    close(sv[1]);
    return sv[0];
}

static enum ucspitls_status start_with(const char *const parts[],
                                       const size_t lens[], int close_at_end,
                                       struct bytes *block, int64_t *took)
{
    pid_t pid = -1;
    struct ucspitls u = {.rfd = -1, .wfd = -1};
    u.ctl = fake_server(&pid, parts, lens, close_at_end);
    int64_t t0 = clock_ms();
    enum ucspitls_status st = ucspitls_start(&u, clock_ms() + 1000, block);
    *took = clock_ms() - t0;
    ucspitls_close_ctl(&u);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return st;
}

static void test_start(void)
{
    struct bytes b = BYTES_INIT(0);
    int64_t took;

    const char *p1[] = {"A=1\0B=2\0\0garbage", NULL};
    const size_t l1[] = {16};
    is_int(start_with(p1, l1, 0, &b, &took), UCSPITLS_OK,
           "double NUL on an open socket (sslserver -n)");
    ok(took < 900, "  returns at the double NUL, not at the deadline");
    is_mem(b.s, b.len, "A=1\0B=2\0", 8, "  the block, without what follows");
    ok(b.s[b.len] == 0, "  NUL-terminated");

    const char *p2[] = {"A=1\0B\0", NULL};
    const size_t l2[] = {6};
    is_int(start_with(p2, l2, 1, &b, &took), UCSPITLS_OK,
           "EOF after the entries (s6-ucspitlsd)");
    is_mem(b.s, b.len, "A=1\0B\0", 6, "  the block");

    const char *p3[] = {"\0\0", NULL};
    const size_t l3[] = {2};
    is_int(start_with(p3, l3, 0, &b, &took), UCSPITLS_OK,
           "an empty block on an open socket");
    is_int((long long)b.len, 0, "  holds no entry");
    ok(took < 900, "  and does not wait for the deadline");

    const char *p4[] = {"A=1\0", "\0", NULL};
    const size_t l4[] = {4, 1};
    is_int(start_with(p4, l4, 0, &b, &took), UCSPITLS_OK,
           "a double NUL split across two reads");
    is_mem(b.s, b.len, "A=1\0", 4, "  the block");

    const char *p5[] = {NULL};
    is_int(start_with(p5, NULL, 1, &b, &took), UCSPITLS_FAILED,
           "EOF before any byte: the handshake failed");

    is_int(start_with(p5, NULL, 0, &b, &took), UCSPITLS_TIMEOUT,
           "silence on an open socket: the deadline");
    ok(took >= 900, "  after about a second");

    const char *p6[] = {"A=1\0B=", NULL};
    const size_t l6[] = {6};
    is_int(start_with(p6, l6, 0, &b, &took), UCSPITLS_TIMEOUT,
           "a half block on an open socket waits for the deadline");

    static char big[UCSPITLS_BLOCK_MAX + 100];
    memset(big, 'x', sizeof big);
    memcpy(big, "A=", 2);
    big[sizeof big - 2] = big[sizeof big - 1] = 0;
    const char *p7[] = {big, NULL};
    const size_t l7[] = {sizeof big};
    is_int(start_with(p7, l7, 0, &b, &took), UCSPITLS_TOOLONG,
           "a block over 64 KiB is an error");
    ok(b.len <= UCSPITLS_BLOCK_MAX, "  and no more than 64 KiB was kept");

    const size_t l8[] = {UCSPITLS_BLOCK_MAX};
    big[UCSPITLS_BLOCK_MAX - 2] = big[UCSPITLS_BLOCK_MAX - 1] = 0;
    is_int(start_with(p7, l8, 0, &b, &took), UCSPITLS_OK,
           "a block of exactly 64 KiB, ends included, is taken");
    is_int((long long)b.len, UCSPITLS_BLOCK_MAX - 1, "  whole");

    const char *p9[] = {"1=x\0\0", NULL};
    const size_t l9[] = {5};
    is_int(start_with(p9, l9, 0, &b, &took), UCSPITLS_OK,
           "reading does not judge names");
    is_int(ucspitls_setenv(b.s, b.len), UCSPITLS_BADNAME, "  applying does");
    bytes_free(&b);

    /* The server is gone before the command. */
    int sv[2];
    ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    close(sv[1]);
    struct ucspitls u = {.ctl = sv[0], .rfd = -1, .wfd = -1};
    enum ucspitls_status st = ucspitls_start(&u, clock_ms() + 1000, &b);
    ok(st == UCSPITLS_FAILED, "a closed control socket: failed, no SIGPIPE");
    ucspitls_close_ctl(&u);
    ucspitls_close_ctl(&u);
    ok(u.ctl == -1, "closing twice is harmless");
    bytes_free(&b);
}

static void test_find(void)
{
    struct ucspitls u;
    int fds[2], c[2];
    ok(pipe(fds) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0, "pipes");
    char n0[16], n1[16], n2[16];
    snprintf(n0, sizeof n0, "%d", c[0]);
    snprintf(n1, sizeof n1, "%d", fds[0]);
    snprintf(n2, sizeof n2, "%d", fds[1]);

    unsetenv("SSLCTLFD");
    unsetenv("SSLREADFD");
    unsetenv("SSLWRITEFD");
    is_int(ucspitls_find(&u), UCSPITLS_UNAVAILABLE, "nothing set");
    setenv("SSLCTLFD", n0, 1);
    setenv("SSLREADFD", n1, 1);
    is_int(ucspitls_find(&u), UCSPITLS_UNAVAILABLE, "SSLWRITEFD missing");
    ok(u.ctl == -1 && u.rfd == -1 && u.wfd == -1, "  all fields -1");
    setenv("SSLWRITEFD", n2, 1);
    is_int(ucspitls_find(&u), UCSPITLS_OK, "all three set");
    ok(u.ctl == c[0] && u.rfd == fds[0] && u.wfd == fds[1], "  found");
    ok((fcntl(c[0], F_GETFD) & FD_CLOEXEC) &&
           (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) &&
           (fcntl(fds[1], F_GETFD) & FD_CLOEXEC),
       "  and made close-on-exec");

    const char *bad[] = {"",     "x", "-1", "3x", " 3", "99999999999",
                         "1000", "0", "1",  "2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("SSLWRITEFD", bad[i], 1);
        is_int(ucspitls_find(&u), UCSPITLS_UNAVAILABLE, "SSLWRITEFD bad");
    }
    int fl = fcntl(0, F_GETFD);
    ok(fl < 0 || !(fl & FD_CLOEXEC), "  fd 0 is never made close-on-exec");
    setenv("SSLWRITEFD", n2, 1);
    close(c[1]);
    close(c[0]);
    is_int(ucspitls_find(&u), UCSPITLS_UNAVAILABLE, "a closed SSLCTLFD");
    close(fds[0]);
    close(fds[1]);
    ok(strlen(ucspitls_strerror(UCSPITLS_UNAVAILABLE)) > 0, "a message");
}

static void test_setenv(void)
{
    setenv("GONE", "before", 1);
    setenv("KEEP", "before", 1);
    is_int(ucspitls_setenv(B("A=1\0GONE\0SSL_TLS_SNI_SERVERNAME=h\0E=\0\0X=9")),
           UCSPITLS_OK, "setenv: a block applies");
    is_str(getenv("A"), "1", "  A set");
    ok(getenv("GONE") == NULL, "  GONE unset");
    is_str(getenv("SSL_TLS_SNI"), "h", "  SNI under its ucspi-tls name");
    ok(getenv("SSL_TLS_SNI_SERVERNAME") == NULL, "  not under s6's");
    is_str(getenv("E"), "", "  an empty value");
    ok(getenv("X") == NULL, "  nothing after the end");
    is_str(getenv("KEEP"), "before", "  others untouched");

    is_int(ucspitls_setenv(B("KEEP=after\0bad-name=1\0\0")), UCSPITLS_BADNAME,
           "a block with a bad name");
    is_str(getenv("KEEP"), "before", "  changes nothing");
    is_int(ucspitls_setenv(B("A=2")), UCSPITLS_OK, "an unterminated entry");
    is_str(getenv("A"), "2", "  is applied");
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    test_parser();
    test_start();
    test_find();
    test_setenv();
    return done_testing();
}
