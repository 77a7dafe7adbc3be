/* qmail-qfilter-addtlsheader: a qmail-qfilter filter. Copies the message
 * from fd 0 to fd 1, after a Received: field naming the TLS protocol and
 * cipher when the message came over TLS (SSL_PROTOCOL and SSL_CIPHER set).
 * The envelope on fd 3 is left alone. Exit codes are qmail-queue's, which
 * qmail-qfilter passes on: 53 write error, 54 read error, 81 anything else. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "exitcodes.h"
#include "handoff.h"
#include "tlsheader.h"

static char buf[65536];

/* Waits, without a deadline, until fd is ready after EAGAIN: the message
 * comes from qmail-qfilter, which has no timeout either. */
static void await(int fd, short events, int code)
{
    struct pollfd p = {.fd = fd, .events = events};
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            die_sys(code, "wait for", "the message");
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            await(1, POLLOUT, EXIT_QQ_WRITE);
            continue;
        }
        if (w == 0)
            errno = EIO; /* no progress: do not loop on it */
        if (w <= 0)
            die_sys(EXIT_QQ_WRITE, "write", "the message");
        p += w;
        n -= (size_t)w;
    }
}

static void copy_message(void)
{
    for (;;) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r == 0)
            return;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN) {
            await(0, POLLIN, EXIT_QQ_READ);
            continue;
        }
        if (r < 0)
            die_sys(EXIT_QQ_READ, "read", "the message");
        write_all(buf, (size_t)r);
    }
}

static int build_header(char *header)
{
    struct tlsheader_info info = {
        .protocol = getenv("SSL_PROTOCOL"),
        .cipher = getenv("SSL_CIPHER"),
        .user = getenv(HANDOFF_USER),
        .fixsmtpio = getenv(HANDOFF_TLS) != NULL,
    };
    time_t now = time(NULL);
    struct tm tm;
    tzset();
    if (!localtime_r(&now, &tm))
        die_msg(EXIT_QQ_BUG, "unable to convert the time to a date");
    int len = tlsheader_build(header, &info, &tm);
    if (len < 0)
        die_msg(EXIT_QQ_BUG, "unable to write the date of %lld",
                (long long)now);
    return len;
}

int main(int argc, char **argv)
{
    (void)argv;
    progname = "qmail-qfilter-addtlsheader";
    die_if_version(argc, argv);
    if (argc > 1)
        die_msg(EXIT_QQ_BUG,
                "unable to run: no argument is taken; usage: %s "
                "<message >message",
                progname);
    signal(SIGPIPE, SIG_IGN);

    char header[TLSHEADER_MAX];
    int len = build_header(header);
    if (len > 0)
        write_all(header, (size_t)len);
    copy_message();
    if (close(1) < 0)
        die_sys(EXIT_QQ_WRITE, "write", "the message");
    return EXIT_OK;
}
