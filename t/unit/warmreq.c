/* The warm engine daemon's request: what a connection's ucspitlsd encodes
 * is decoded as it was, and every other shape of request is refused; the
 * socket carries a request and its descriptors as one message, and too
 * many descriptors, none, or too many bytes are refused with nothing left
 * open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "warmreq.h"
#include "warmsock.h"

#define GOOD                                                                   \
    "ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 1200000\n"       \
    "ip 192.0.2.1\nsession 4f1c2a9e0b7d3e65\n"

static void test_roundtrip(void)
{
    struct warmreq r, back;
    char buf[WARMREQ_MAX];
    warmreq_from(&r, 1, 30000, 1200000, "192.0.2.1", "4f1c2a9e0b7d3e65");
    size_t len = warmreq_encode(&r, buf, sizeof buf);
    is_mem(buf, len, GOOD, strlen(GOOD), "encoded as the format says");
    ok(warmreq_decode(&back, buf, len) == 0, "decoded");
    ok(back.implicit == 1 && back.handshake_ms == 30000 &&
           back.idle_ms == 1200000,
       "  mode and timeouts as sent");
    is_str(back.ip, "192.0.2.1", "  ip as sent");
    is_str(back.session, "4f1c2a9e0b7d3e65", "  session ID as sent");

    warmreq_from(&r, 0, 1000, 86400000, NULL, NULL);
    len = warmreq_encode(&r, buf, sizeof buf);
    ok(len > 0 && warmreq_decode(&back, buf, len) == 0 && !back.implicit &&
           !back.ip[0] && !back.session[0] && back.idle_ms == 86400000,
       "STARTTLS, no ip, no session ID: decoded so");

    warmreq_from(&r, 1, 30000, 30000, "bad ip", "bad id!");
    ok(!r.ip[0] && !r.session[0],
       "an ip or session ID the format cannot carry is left out");
    char longip[WARMREQ_IP_MAX + 2];
    memset(longip, '1', sizeof longip - 1);
    longip[sizeof longip - 1] = 0;
    warmreq_from(&r, 1, 30000, 30000, longip, NULL);
    ok(!r.ip[0], "  so is an ip that is too long");
    longip[WARMREQ_IP_MAX] = 0;
    warmreq_from(&r, 1, 30000, 30000, longip, NULL);
    is_int((long long)strlen(r.ip), WARMREQ_IP_MAX, "  one of the most kept");

    warmreq_from(&r, 1, 999, 30000, NULL, NULL);
    is_int((long long)warmreq_encode(&r, buf, sizeof buf), 0,
           "a timeout under a second is not encoded");
    warmreq_from(&r, 1, 30000, 30000, NULL, NULL);
    is_int((long long)warmreq_encode(&r, buf, 20), 0,
           "nor into a buffer too small");
}

static void refused(const char *text, const char *name)
{
    struct warmreq r;
    ok(warmreq_decode(&r, text, strlen(text)) < 0, "refused: %s", name);
}

static void test_refused(void)
{
    static const struct {
        const char *text, *name;
    } bad[] = {
        {"", "empty"},
        {"ucspitlsd-engine 2\nmode implicit\nhandshake 30000\nidle "
         "30000\nip \nsession \n",
         "another version"},
        {"ucspitlsd-engine 1\nmode both\nhandshake 30000\nidle 30000\nip "
         "\nsession \n",
         "an unknown mode"},
        {"ucspitlsd-engine 1\nmode implicit\nidle 30000\nhandshake 30000\nip "
         "\nsession \n",
         "fields out of order"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nip \nsession \n",
         "a field missing"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\nip "
         "\nsession \nsession \n",
         "a field twice"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\nip "
         "\nsession ",
         "no last newline"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 030000\nidle "
         "30000\nip \nsession \n",
         "a leading zero"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake -1\nidle 30000\nip "
         "\nsession \n",
         "a sign"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 999\nidle 30000\nip "
         "\nsession \n",
         "a timeout under a second"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 86400001\nidle "
         "30000\nip \nsession \n",
         "a timeout over a day"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake "
         "99999999999999999999\nidle 30000\nip \nsession \n",
         "a number that would overflow"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\nip "
         "1 2\nsession \n",
         "a space in the ip"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\nip "
         "\x01\nsession \n",
         "a control byte in the ip"},
        {"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\nip "
         "\nsession a;b\n",
         "an invalid session ID"},
        {"ucspitlsd-engine 1\nmodeimplicit\nhandshake 30000\nidle 30000\nip "
         "\nsession \n",
         "no space after the name"},
        {"ucspitlsd-engine 1 x\nmode implicit\nhandshake 30000\nidle "
         "30000\nip \nsession \n",
         "a value after the first line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i].text, bad[i].name);
    struct warmreq r;
    char nul[] = GOOD;
    nul[strlen(GOOD) - 3] = 0; /* in the session ID */
    ok(warmreq_decode(&r, nul, strlen(GOOD)) < 0, "refused: a NUL byte");
    char big[WARMREQ_MAX + 2];
    memset(big, 'a', sizeof big);
    ok(warmreq_decode(&r, big, sizeof big) < 0, "refused: too long");
    char longip[300];
    snprintf(longip, sizeof longip,
             "ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle "
             "30000\nip %0*d\nsession \n",
             WARMREQ_IP_MAX + 1, 0);
    refused(longip, "an ip that is too long");
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 256; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

static void test_socket(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    int base = open_fds();
    int fds[WARMSOCK_FDS + 1], got[WARMSOCK_FDS];
    for (int i = 0; i < WARMSOCK_FDS + 1; i++)
        fds[i] = 0;
    char buf[WARMREQ_MAX];
    size_t len, n;
    int64_t soon = clock_ms() + 5000;

    ok(warmsock_send(sv[0], GOOD, strlen(GOOD), fds, 6) == 0, "sent");
    ok(warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, soon) ==
               WARMSOCK_OK &&
           n == 6 && len == strlen(GOOD),
       "  received, with its 6 descriptors");
    for (size_t i = 0; i < n; i++)
        close(got[i]);

    /* WARMSOCK_FDS + 1 descriptors, sent by hand. */
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof fds)];
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {(void *)GOOD, strlen(GOOD)};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.b,
                       .msg_controllen = sizeof u.b};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(h), fds, sizeof fds);
    sendmsg(sv[0], &m, 0);
    is_int(warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, soon),
           WARMSOCK_TOOBIG, "too many descriptors: refused");
    is_int(open_fds(), base, "  none of them left open");

    send(sv[0], GOOD, strlen(GOOD), 0);
    is_int(warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, soon),
           WARMSOCK_NOFDS, "no descriptors: refused");

    char big[WARMREQ_MAX + 1];
    memset(big, 'a', sizeof big);
    warmsock_send(sv[0], big, sizeof big, fds, 6);
    is_int(warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, soon),
           WARMSOCK_TOOBIG, "too many bytes: refused");
    is_int(open_fds(), base, "  its descriptors not left open");

    is_int(
        warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, clock_ms() + 50),
        WARMSOCK_TIMEOUT, "nothing: a timeout");
    close(sv[0]);
    is_int(warmsock_recv(sv[1], buf, sizeof buf, &len, got, &n, soon),
           WARMSOCK_CLOSED, "the peer closed: said so");
    close(sv[1]);
}

int main(void)
{
    test_roundtrip();
    test_refused();
    test_socket();
    return done_testing();
}
