/* Failed logins counted across connections, so that many connections do
 * not buy an attacker many password hashes (loginlimits.h says the limits).
 *
 * The counts live in one file of fixed size in the state directory
 * (AUTHUP_STATE, default QMAILHOME/authup, created 0700; the file 0600):
 * a header with a random key and THROTTLE_SLOTS records, each found by a
 * keyed hash of what it counts (an address, an account, an account and an
 * address it logged in from). When every record a key may take is in use,
 * the one that expires first makes room, so the file never grows however
 * many addresses try. Every change is made under a lock on the file.
 *
 * Before an attempt, throttle_check says whether a limit refuses it; after
 * it, throttle_end counts a failure, or makes the address known for the
 * account. Sessions checked at the same moment can pass a limit together,
 * by at most the number of sessions at once (tcpserver -c). */
#ifndef THROTTLE_H
#define THROTTLE_H

#include <stddef.h>
#include <time.h>

#include "loginlimits.h"

#define THROTTLE_FILE "counts"
#define THROTTLE_SLOTS 16384

enum throttle_answer {
    THROTTLE_GO,      /* no limit applies: run checkpassword */
    THROTTLE_ADDRESS, /* the address's limit applies */
    THROTTLE_ACCOUNT  /* the account's limit applies */
};

enum throttle_result {
    THROTTLE_ACCEPTED,
    THROTTLE_REJECTED,
    THROTTLE_UNKNOWN /* checkpassword failed or ran a session of its own */
};

struct throttle {
    struct limits lim;
    const char *dir;
    int fd;          /* the counts file, -1 before the first attempt */
    int off;         /* no state directory: nothing is counted */
    char net[64];    /* the client's address (IPv6: its /64), "" if unknown */
    char key[32];    /* the file's hash key */
    char limit[128]; /* the limit this failure reached, for the log */
};

/* The state directory AUTHUP_STATE names, or the default. */
const char *throttle_dir(void);
/* Sets t up for a connection from ip (TCPREMOTEIP, may be NULL); opens
 * nothing yet. */
void throttle_init(struct throttle *t, const struct limits *lim,
                   const char *dir, const char *ip);
/* Opens (creating) the directory and the file. 0, or -1 with errno and
 * the failing step in *what. */
int throttle_open(struct throttle *t, const char **what);
/* What failed, after throttle_open() said what with errno:
 * "unable to create DIR: reason" or "unable to open DIR/counts: reason". */
void throttle_why(const struct throttle *t, const char *what, char *out,
                  size_t size);
void throttle_close(struct throttle *t);

/* Before an attempt for user: THROTTLE_GO, or the limit that refuses it.
 * When the counts cannot be used, a warning says so once and every
 * attempt goes on. */
enum throttle_answer throttle_check(struct throttle *t, const char *user,
                                    size_t ulen, time_t now);
/* After it: a rejection is counted for the address and the account; an
 * accepted login makes the address known for the account. When the
 * failure brought a count to its limit, t->limit says which ("address: 10
 * failures in 600 s"), else it is "". */
void throttle_end(struct throttle *t, const char *user, size_t ulen,
                  enum throttle_result r, time_t now);

/* Writes the network a count is kept for: an IPv4 address as it is, an
 * IPv6 address as its /64 ("2001:db8:1:2::/64"), an IPv4-mapped IPv6
 * address as the IPv4 one. "" when ip is not an address. */
void throttle_network(char *out, size_t size, const char *ip);

#endif
