/* tlsecho: the UCSPI-TLS application of the ucspitlsd tests. It speaks a
 * few SMTP-like commands, one per line, on fds 0 and 1 and, after
 * STARTTLS, on SSLREADFD and SSLWRITEFD:
 *   (greeting)  220 tlsecho ready
 *   EHLO x      250-tlsecho, 250-STARTTLS (when UCSPI-TLS is there and TLS
 *               is not yet on), 250 PIPELINING
 *   STARTTLS    220 2.0.0 Ready to start TLS; then "Y" on the control
 *               socket (lib/ucspitls), the variables into the environment,
 *               fds 0 and 1 onto /dev/null, and the TLS pipes from then on
 *   ENV         250-NAME=value for every variable, then 250 ENV
 *   PID         250 pid
 *   ECHO        354 echo, then every byte read is written back until end
 *               of file, and tlsecho exits 0
 *   SINK n      reads n bytes and answers 250 n
 *   SOURCE n    354 n, then n bytes ('a' to 'z' over and over)
 *   EXIT n      221 exiting, then exits n at once
 *   NOOP        250 ok
 *   QUIT        221 bye, exit 0
 * Environment: TLSECHO_COMMAND=c writes the byte c ("y", or one the
 * server must refuse) instead of "Y", and reads no variables;
 * TLSECHO_CLOSE_CONTROL=1 closes the control socket at start without a command.
 * Errors go to fd 2 and exit 111. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "lineread.h"
#include "ucspitls.h"

extern char **environ;

static int in = 0, out = 1;
static int tls_on;
static struct ucspitls u;
static int have_tls;

static void fail(const char *what)
{
    fprintf(stderr, "tlsecho: %s: %s\n", what, strerror(errno));
    exit(111);
}

static void put(const void *p, size_t len)
{
    const char *s = p;
    while (len > 0) {
        ssize_t n = write(out, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail("write");
        s += n;
        len -= (size_t)n;
    }
}

/* One write a line: clients that start TLS after a reply's first bytes
 * must not find its CR LF in front of the handshake. */
static void say(const char *line)
{
    char buf[8192];
    int n = snprintf(buf, sizeof buf, "%s\r\n", line);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    put(buf, (size_t)n);
}

static void starttls(void)
{
    say("220 2.0.0 Ready to start TLS");
    const char *cmd = getenv("TLSECHO_COMMAND");
    if (cmd && *cmd && strcmp(cmd, "Y") != 0) {
        if (write(u.ctl, cmd, 1) != 1)
            fail("write to the control socket");
    } else {
        struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
        enum ucspitls_status st =
            ucspitls_start(&u, clock_ms() + 60000, &block);
        if (st == UCSPITLS_OK)
            st = ucspitls_setenv(block.s, block.len);
        if (st != UCSPITLS_OK) {
            fprintf(stderr, "tlsecho: unable to start TLS: %s\n",
                    ucspitls_strerror(st));
            exit(111);
        }
        bytes_free(&block);
    }
    ucspitls_close_ctl(&u);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
        fail("retire the plaintext connection");
    close(null);
    in = u.rfd;
    out = u.wfd;
    tls_on = 1;
}

static void echo(struct lineread *lr)
{
    const char *p;
    size_t n;
    while ((n = lr_raw(lr, &p, 65536)) > 0)
        put(p, n);
    static char buf[65536];
    for (;;) {
        ssize_t got = read(in, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            fail("read");
        if (got == 0)
            exit(0);
        put(buf, (size_t)got);
    }
}

static void sink(struct lineread *lr, unsigned long long want)
{
    unsigned long long got = 0;
    const char *p;
    size_t n;
    while (got < want && (n = lr_raw(lr, &p, want - got)) > 0)
        got += n;
    static char buf[65536];
    while (got < want) {
        size_t ask =
            want - got < sizeof buf ? (size_t)(want - got) : sizeof buf;
        ssize_t r = read(in, buf, ask);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            fail("read the data");
        got += (unsigned long long)r;
    }
    char line[64];
    snprintf(line, sizeof line, "250 %llu", got);
    say(line);
}

static void source(unsigned long long n)
{
    static char buf[65536];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)('a' + i % 26);
    char line[64];
    snprintf(line, sizeof line, "354 %llu", n);
    say(line);
    while (n > 0) {
        size_t chunk = n < sizeof buf ? (size_t)n : sizeof buf;
        put(buf, chunk);
        n -= chunk;
    }
}

static void env(void)
{
    for (char **e = environ; *e; e++) {
        char line[8192];
        snprintf(line, sizeof line, "250-%s", *e);
        say(line);
    }
    say("250 ENV");
}

static int is(const char *line, size_t len, const char *word)
{
    size_t w = strlen(word);
    return len >= w && strncasecmp(line, word, w) == 0 &&
           (len == w || line[w] == ' ');
}

static void command(struct lineread *lr, char *line, size_t len)
{
    const char *arg = memchr(line, ' ', len);
    unsigned long long n = arg ? strtoull(arg + 1, NULL, 10) : 0;
    if (is(line, len, "EHLO") || is(line, len, "HELO")) {
        /* One write, as servers send a reply: a reply in pieces meets
         * Nagle's algorithm and the client's delayed ACK. */
        say(have_tls && !tls_on
                ? "250-tlsecho\r\n250-STARTTLS\r\n250 PIPELINING"
                : "250-tlsecho\r\n250 PIPELINING");
    } else if (is(line, len, "STARTTLS") && have_tls && !tls_on) {
        starttls();
        lr_discard(lr);
    } else if (is(line, len, "ENV")) {
        env();
    } else if (is(line, len, "PID")) {
        char text[32];
        snprintf(text, sizeof text, "250 %ld", (long)getpid());
        say(text);
    } else if (is(line, len, "ECHO")) {
        say("354 echo");
        echo(lr);
    } else if (is(line, len, "SINK")) {
        sink(lr, n);
    } else if (is(line, len, "SOURCE")) {
        source(n);
    } else if (is(line, len, "EXIT")) {
        say("221 exiting");
        _exit((int)n);
    } else if (is(line, len, "NOOP")) {
        say("250 ok");
    } else if (is(line, len, "QUIT")) {
        say("221 bye");
        exit(0);
    } else {
        say("500 what?");
    }
}

int main(void)
{
    have_tls = ucspitls_find(&u) == UCSPITLS_OK;
    if (have_tls && getenv("TLSECHO_CLOSE_CONTROL")) {
        ucspitls_close_ctl(&u);
        have_tls = 0;
    }
    struct lineread lr;
    if (lr_init(&lr, 4096) < 0)
        fail("allocate");
    say("220 tlsecho ready");
    for (;;) {
        const char *line;
        size_t len;
        enum lr_status st = lr_getline(&lr, in, DEADLINE_NONE, &line, &len);
        if (st == LR_EOF) {
            lr_free(&lr);
            return 0;
        }
        if (st != LR_LINE)
            fail("read a command");
        char buf[4096];
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        memcpy(buf, line, len);
        buf[len] = 0;
        command(&lr, buf, len);
    }
}
