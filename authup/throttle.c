#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "die.h"
#include "throttle.h"

/* The file: a header, then the records, in this host's byte order. */
#define MAGIC "authup counts 1\n"
#define HEADER_SIZE 64
#define PROBE 8 /* the records a key may take, from its first */

struct header {
    char magic[16];
    unsigned char key[32];
    unsigned char spare[16];
};

struct record {
    unsigned char id[16]; /* of what it counts; all zero: free */
    uint32_t start;       /* the first failure of the window */
    uint32_t count;
    uint32_t expires; /* the record means nothing from then on */
    uint32_t spare;
};

_Static_assert(sizeof(struct header) == HEADER_SIZE, "header size");
_Static_assert(sizeof(struct record) == 32, "record size");

#define FILE_SIZE (HEADER_SIZE + (off_t)THROTTLE_SLOTS * 32)

const char *throttle_dir(void)
{
    const char *d = getenv("AUTHUP_STATE");
    return d && *d ? d : QMAILHOME "/authup";
}

void throttle_network(char *out, size_t size, const char *ip)
{
    unsigned char a[16];
    out[0] = 0;
    if (!ip)
        return;
    if (inet_pton(AF_INET, ip, a) == 1) {
        inet_ntop(AF_INET, a, out, (socklen_t)size);
        return;
    }
    if (inet_pton(AF_INET6, ip, a) != 1)
        return;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
        inet_ntop(AF_INET, a + 12, out, (socklen_t)size);
        return;
    }
    memset(a + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a, text, sizeof text);
    snprintf(out, size, "%s/64", text);
}

void throttle_init(struct throttle *t, const struct limits *lim,
                   const char *dir, const char *ip)
{
    memset(t, 0, sizeof *t);
    t->lim = *lim;
    t->dir = dir;
    t->fd = -1;
    throttle_network(t->net, sizeof t->net, ip);
}

static int lock(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
    while (fcntl(fd, F_SETLKW, &fl) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* A new file (or one that is not ours: its counts are lost): the header
 * with a fresh key, every record free. Under the lock. */
static int file_start(int fd)
{
    struct header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, sizeof h.magic);
    if (getrandom(h.key, sizeof h.key, 0) != (ssize_t)sizeof h.key ||
        ftruncate(fd, 0) < 0 || ftruncate(fd, FILE_SIZE) < 0 ||
        pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        return -1;
    return 0;
}

static int header_read(struct throttle *t)
{
    struct header h;
    struct stat st;
    if (fstat(t->fd, &st) < 0)
        return -1;
    ssize_t n = st.st_size == FILE_SIZE ? pread(t->fd, &h, sizeof h, 0) : 0;
    if (n != (ssize_t)sizeof h || memcmp(h.magic, MAGIC, sizeof h.magic)) {
        if (st.st_size)
            warn_msg("%s/%s is not a counts file: starting it again", t->dir,
                     THROTTLE_FILE);
        if (file_start(t->fd) < 0 ||
            pread(t->fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
            return -1;
    }
    memcpy(t->key, h.key, sizeof t->key);
    return 0;
}

int throttle_open(struct throttle *t, const char **what)
{
    if (mkdir(t->dir, 0700) < 0 && errno != EEXIST) {
        *what = "create";
        return -1;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", t->dir, THROTTLE_FILE) >=
        (int)sizeof path) {
        errno = ENAMETOOLONG;
        *what = "open";
        return -1;
    }
    t->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    *what = "open";
    if (t->fd < 0)
        return -1;
    *what = "read";
    int ok = lock(t->fd, F_WRLCK) == 0 && header_read(t) == 0;
    int saved = errno;
    lock(t->fd, F_UNLCK);
    if (!ok) {
        close(t->fd);
        t->fd = -1;
        errno = saved;
        return -1;
    }
    return 0;
}

void throttle_close(struct throttle *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* Where a key's records are and its id: a keyed hash of kind, a, b. */
struct place {
    unsigned char id[16];
    uint32_t first;
    struct record rec[PROBE];
    int at; /* the record in rec that is the key's, or makes room */
};

static void place_hash(const struct throttle *t, struct place *p, char kind,
                       const char *a, size_t alen, const char *b)
{
    struct hmac_sha256_ctx h;
    unsigned char d[SHA256_DIGEST_SIZE];
    hmac_sha256_set_key(&h, sizeof t->key, (const uint8_t *)t->key);
    hmac_sha256_update(&h, 1, (const uint8_t *)&kind);
    hmac_sha256_update(&h, alen, (const uint8_t *)a);
    if (b)
        hmac_sha256_update(&h, strlen(b) + 1, (const uint8_t *)b);
    hmac_sha256_digest(&h, sizeof d, d);
    memcpy(p->id, d, sizeof p->id);
    uint32_t v;
    memcpy(&v, d + 16, sizeof v);
    p->first = v % (THROTTLE_SLOTS - PROBE + 1);
}

static off_t offset(const struct place *p, int i)
{
    return HEADER_SIZE + ((off_t)p->first + i) * (off_t)sizeof(struct record);
}

/* Reads the key's records; p->at is its own record (1 returned), else the
 * one to take for it: a free or expired one, else the first to expire (0
 * returned). -1 when they cannot be read. */
static int place_read(int fd, struct place *p, time_t now)
{
    if (pread(fd, p->rec, sizeof p->rec, offset(p, 0)) !=
        (ssize_t)sizeof p->rec)
        return -1;
    p->at = 0;
    for (int i = 0; i < PROBE; i++) {
        const struct record *r = &p->rec[i];
        if (r->expires > now && memcmp(r->id, p->id, sizeof r->id) == 0) {
            p->at = i;
            return 1;
        }
        if (r->expires < p->rec[p->at].expires)
            p->at = i;
    }
    return 0;
}

static int place_write(int fd, const struct place *p)
{
    return pwrite(fd, &p->rec[p->at], sizeof(struct record),
                  offset(p, p->at)) == (ssize_t)sizeof(struct record)
               ? 0
               : -1;
}

/* The failures counted for a key now (0 when it has no record). */
static int failures(const struct throttle *t, struct place *p, time_t now,
                    uint32_t *count)
{
    int found = place_read(t->fd, p, now);
    *count = found > 0 ? p->rec[p->at].count : 0;
    return found < 0 ? -1 : 0;
}

/* One more failure for a key (a window of seconds from the first). */
static int add_failure(const struct throttle *t, struct place *p,
                       unsigned long seconds, time_t now)
{
    int found = place_read(t->fd, p, now);
    if (found < 0)
        return -1;
    struct record *r = &p->rec[p->at];
    if (!found) {
        memset(r, 0, sizeof *r);
        memcpy(r->id, p->id, sizeof r->id);
        r->start = (uint32_t)now;
        r->expires = (uint32_t)(now + (time_t)seconds);
    }
    r->count++;
    return place_write(t->fd, p);
}

static int known(struct throttle *t, const char *user, size_t ulen, time_t now)
{
    struct place p;
    if (!t->net[0])
        return 0;
    place_hash(t, &p, 'K', user, ulen, t->net);
    return place_read(t->fd, &p, now) > 0;
}

static int make_known(struct throttle *t, const char *user, size_t ulen,
                      time_t now)
{
    struct place p;
    if (!t->net[0])
        return 0;
    place_hash(t, &p, 'K', user, ulen, t->net);
    if (place_read(t->fd, &p, now) < 0)
        return -1;
    struct record *r = &p.rec[p.at];
    memset(r, 0, sizeof *r);
    memcpy(r->id, p.id, sizeof r->id);
    r->start = (uint32_t)now;
    r->expires = (uint32_t)(now + (time_t)t->lim.known);
    return place_write(t->fd, &p);
}

/* The counts cannot be used: said once, and nothing is counted. */
void throttle_why(const struct throttle *t, const char *what, char *out,
                  size_t size)
{
    int dir = strcmp(what, "create") == 0;
    snprintf(out, size, "unable to %s %s%s%s: %s", what, t->dir, dir ? "" : "/",
             dir ? "" : THROTTLE_FILE, strerror(errno));
}

static void give_up(struct throttle *t, const char *what)
{
    char why[600];
    throttle_why(t, what, why, sizeof why);
    warn_msg("%s; failed logins are not counted across connections "
             "(AUTHUP_STATE)",
             why);
    throttle_close(t);
    t->off = 1;
}

/* Whether a limit refuses the attempt: -1 when the counts cannot be read. */
static int decide(struct throttle *t, const char *user, size_t ulen, time_t now)
{
    struct place a, u;
    uint32_t na = 0, nu = 0;
    int use_a = t->net[0] && t->lim.address_failures;
    int use_u = t->lim.account_failures != 0;
    if (use_a)
        place_hash(t, &a, 'A', t->net, strlen(t->net), NULL);
    place_hash(t, &u, 'U', user, ulen, NULL);
    if ((use_a && failures(t, &a, now, &na) < 0) ||
        (use_u && failures(t, &u, now, &nu) < 0))
        return -1;
    if (use_a && na >= t->lim.address_failures)
        return THROTTLE_ADDRESS;
    if (use_u && nu >= t->lim.account_failures && !known(t, user, ulen, now))
        return THROTTLE_ACCOUNT;
    return THROTTLE_GO;
}

/* Runs step under the file's lock, opening the file first if need be;
 * when that fails, the counts are given up (-1). */
static int locked(struct throttle *t, const char *user, size_t ulen, time_t now,
                  int (*step)(struct throttle *, const char *, size_t, time_t))
{
    const char *what = "lock";
    if (t->off)
        return -1;
    if (t->fd < 0 && throttle_open(t, &what) < 0) {
        give_up(t, what);
        return -1;
    }
    if (lock(t->fd, F_WRLCK) < 0) {
        give_up(t, "lock");
        return -1;
    }
    int st = step(t, user, ulen, now);
    int saved = errno;
    lock(t->fd, F_UNLCK);
    if (st < 0) {
        errno = saved;
        give_up(t, "update");
    }
    return st;
}

enum throttle_answer throttle_check(struct throttle *t, const char *user,
                                    size_t ulen, time_t now)
{
    int answer = locked(t, user, ulen, now, decide);
    return answer < 0 ? THROTTLE_GO : (enum throttle_answer)answer;
}

/* A failure counted for the address and the account; t->limit says when
 * it brought either count to its limit. */
static int fail_step(struct throttle *t, const char *user, size_t ulen,
                     time_t now)
{
    struct place a, u;
    int use_a = t->net[0] && t->lim.address_failures;
    int use_u = t->lim.account_failures != 0;
    if (use_a) {
        place_hash(t, &a, 'A', t->net, strlen(t->net), NULL);
        if (add_failure(t, &a, t->lim.address_window, now) < 0)
            return -1;
    }
    place_hash(t, &u, 'U', user, ulen, NULL);
    if (use_u && add_failure(t, &u, t->lim.account_window, now) < 0)
        return -1;
    /* An IPv6 client is counted by its /64, which the line then names:
     * this address alone may have failed once. */
    const char *net = strchr(t->net, '/') ? t->net : NULL;
    if (use_a && a.rec[a.at].count == t->lim.address_failures)
        snprintf(t->limit, sizeof t->limit,
                 "address%s%s: %lu failures in %lu s", net ? " " : "",
                 net ? net : "", t->lim.address_failures,
                 t->lim.address_window);
    else if (use_u && u.rec[u.at].count == t->lim.account_failures)
        snprintf(t->limit, sizeof t->limit, "account: %lu failures in %lu s",
                 t->lim.account_failures, t->lim.account_window);
    return 0;
}

void throttle_end(struct throttle *t, const char *user, size_t ulen,
                  enum throttle_result r, time_t now)
{
    t->limit[0] = 0;
    if (r == THROTTLE_REJECTED)
        locked(t, user, ulen, now, fail_step);
    else if (r == THROTTLE_ACCEPTED && t->net[0])
        locked(t, user, ulen, now, make_known);
}
