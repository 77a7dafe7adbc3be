#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "tickets.h"
#include "wipe.h"

#define LABEL "UCSPITLSD TICKET KEY"
#define BEGIN "-----BEGIN " LABEL "-----"
#define END "-----END " LABEL "-----"

void tickets_free(struct tickets *t)
{
    for (size_t i = 0; i < t->count; i++) {
        wipe(t->key[i].data, t->key[i].size);
        gnutls_free(t->key[i].data);
    }
    memset(t, 0, sizeof *t);
}

int tickets_parse(struct tickets *t, const unsigned char *text, size_t len,
                  char *err, size_t errsize)
{
    memset(t, 0, sizeof *t);
    const unsigned char *p = text, *stop = text + len;
    for (;;) {
        const unsigned char *b =
            memmem(p, (size_t)(stop - p), BEGIN, sizeof BEGIN - 1);
        if (!b)
            break;
        const unsigned char *e =
            memmem(b, (size_t)(stop - b), END, sizeof END - 1);
        if (!e) {
            snprintf(err, errsize, "key %zu has no end line", t->count + 1);
            goto fail;
        }
        if (t->count == TICKETS_MAX) {
            snprintf(err, errsize, "more than %d keys", TICKETS_MAX);
            goto fail;
        }
        gnutls_datum_t block = {(unsigned char *)b,
                                (unsigned)(e + sizeof END - 1 - b)};
        gnutls_datum_t *k = &t->key[t->count];
        int r = gnutls_pem_base64_decode2(LABEL, &block, k);
        if (r < 0 || k->size != TICKETS_KEY_SIZE) {
            snprintf(err, errsize, "key %zu is not %d bytes of base64",
                     t->count + 1, TICKETS_KEY_SIZE);
            if (r >= 0)
                t->count++; /* to be wiped */
            goto fail;
        }
        t->count++;
        p = e + sizeof END - 1;
    }
    if (t->count)
        return 0;
    snprintf(err, errsize, "no key in it (ucspitlsd -K makes one)");
fail:
    tickets_free(t);
    return -1;
}

/* The file's bytes, when it is a regular file of at most TICKETS_FILE_MAX
 * bytes. 0, or -1 with errno (EINVAL not a regular file, EFBIG too large). */
static int read_file(const char *path, unsigned char *buf, size_t *len,
                     struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    ssize_t n = -1;
    if (fstat(fd, st) < 0)
        goto done;
    if (!S_ISREG(st->st_mode) || st->st_size > TICKETS_FILE_MAX) {
        errno = S_ISREG(st->st_mode) ? EFBIG : EINVAL;
        goto done;
    }
    size_t got = 0;
    while ((n = read(fd, buf + got, TICKETS_FILE_MAX + 1 - got)) > 0)
        got += (size_t)n;
    if (n == 0 && got > TICKETS_FILE_MAX) {
        errno = EFBIG;
        n = -1;
    }
    *len = got;
done:;
    int saved = errno;
    close(fd);
    errno = saved;
    return n < 0 ? -1 : 0;
}

static int file_error(const char *path, char *err, size_t errsize)
{
    snprintf(err, errsize, "unable to read TICKETKEYFILE %s: %s", path,
             errno == EINVAL  ? "not a regular file"
             : errno == EFBIG ? "larger than 8 KiB"
                              : strerror(errno));
    return -1;
}

int tickets_load(struct tickets *t, const char *path, char *err, size_t errsize)
{
    unsigned char buf[TICKETS_FILE_MAX + 1];
    size_t len = 0;
    struct stat st;
    memset(t, 0, sizeof *t);
    if (read_file(path, buf, &len, &st) < 0)
        return file_error(path, err, errsize);
    char why[200];
    int r = tickets_parse(t, buf, len, why, sizeof why);
    wipe(buf, sizeof buf);
    if (r < 0) {
        snprintf(err, errsize, "unable to use TICKETKEYFILE %s: %s", path, why);
        return -1;
    }
    if (st.st_mode & 077) {
        tickets_free(t);
        snprintf(err, errsize,
                 "unable to use TICKETKEYFILE %s: others than its owner may "
                 "read or change it (chmod 600 it)",
                 path);
        return -1;
    }
    return 0;
}

/* Appends key as a PEM block. 0, or -1. */
static int put_key(struct atomicfile *a, const gnutls_datum_t *key)
{
    gnutls_datum_t pem = {NULL, 0};
    if (gnutls_pem_base64_encode2(LABEL, key, &pem) < 0)
        return -1;
    int r = atomicfile_write(a, pem.data, pem.size);
    wipe(pem.data, pem.size);
    gnutls_free(pem.data);
    return r;
}

int tickets_rotate(const char *path, char *err, size_t errsize)
{
    struct tickets old = {0};
    unsigned char buf[TICKETS_FILE_MAX + 1];
    size_t len = 0;
    struct stat st;
    char why[200];
    if (read_file(path, buf, &len, &st) < 0) {
        if (errno != ENOENT)
            return file_error(path, err, errsize);
    } else if (tickets_parse(&old, buf, len, why, sizeof why) < 0) {
        wipe(buf, sizeof buf);
        snprintf(err, errsize,
                 "unable to rotate TICKETKEYFILE %s: %s; remove it to start "
                 "again",
                 path, why);
        return -1;
    }
    wipe(buf, sizeof buf);
    gnutls_datum_t key = {NULL, 0};
    int r = gnutls_session_ticket_key_generate(&key);
    struct atomicfile a;
    if (r >= 0 && key.size != TICKETS_KEY_SIZE)
        r = GNUTLS_E_INTERNAL_ERROR;
    if (r < 0) {
        snprintf(err, errsize, "unable to make a ticket key: %s",
                 gnutls_strerror(r));
    } else if (atomicfile_open(&a, path, 0600) < 0 || put_key(&a, &key) < 0 ||
               (old.count && put_key(&a, &old.key[0]) < 0) ||
               atomicfile_close(&a) < 0 || atomicfile_commit(&a) < 0) {
        int saved = errno;
        atomicfile_abort(&a);
        snprintf(err, errsize, "unable to write TICKETKEYFILE %s: %s", path,
                 strerror(saved));
        r = -1;
    }
    if (key.data) {
        wipe(key.data, key.size);
        gnutls_free(key.data);
    }
    tickets_free(&old);
    return r < 0 ? -1 : 0;
}

static int ticket_ext(void *ctx, unsigned id, const unsigned char *data,
                      unsigned size)
{
    (void)data;
    /* pre_shared_key (TLS 1.3), or a session_ticket with a ticket in it. */
    if (id == 41 || (id == 35 && size > 0))
        *(int *)ctx = 1;
    return 0;
}

int tickets_offered(const unsigned char *rec, size_t len)
{
    if (len < 9 || rec[0] != 22)
        return 0;
    size_t reclen = (size_t)rec[3] << 8 | rec[4];
    size_t hslen = (size_t)rec[6] << 16 | (size_t)rec[7] << 8 | rec[8];
    if (len < 5 + reclen || rec[5] != 1 || 4 + hslen > reclen)
        return 0;
    int found = 0;
    gnutls_datum_t body = {(unsigned char *)rec + 9, (unsigned)hslen};
    if (gnutls_ext_raw_parse(&found, ticket_ext, &body,
                             GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO) < 0)
        return 0;
    return found;
}

/* A trial session's transport: the client's record, then nothing; what
 * the server says is dropped. */
struct memio {
    const unsigned char *p;
    size_t len;
    gnutls_session_t s;
};

static ssize_t mem_pull(gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
    struct memio *m = ptr;
    if (m->len == 0) {
        gnutls_transport_set_errno(m->s, EAGAIN);
        return -1;
    }
    size_t n = size < m->len ? size : m->len;
    memcpy(buf, m->p, n);
    m->p += n;
    m->len -= n;
    return (ssize_t)n;
}

static ssize_t mem_push(gnutls_transport_ptr_t ptr, const void *buf,
                        size_t size)
{
    (void)ptr;
    (void)buf;
    return (ssize_t)size;
}

/* Whether key opens the ticket in rec: the server's side of the handshake
 * as far as the record takes it. */
static int opens(const gnutls_datum_t *key, const unsigned char *rec,
                 size_t len, tickets_setup_fn *setup, const void *ctx)
{
    gnutls_session_t s;
    if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL |
                            GNUTLS_NO_AUTO_SEND_TICKET) < 0)
        return 0;
    struct memio m = {rec, len, s};
    int resumed = 0;
    if (setup(s, ctx) >= 0 &&
        gnutls_session_ticket_enable_server(s, key) >= 0) {
        gnutls_transport_set_ptr(s, &m);
        gnutls_transport_set_pull_function(s, mem_pull);
        gnutls_transport_set_push_function(s, mem_push);
        int r;
        int rounds = 0;
        do
            r = gnutls_handshake(s);
        while (r < 0 && r != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(r) &&
               ++rounds < 4);
        resumed = r == GNUTLS_E_AGAIN && gnutls_session_is_resumed(s);
    }
    gnutls_deinit(s);
    return resumed;
}

size_t tickets_choose(const struct tickets *t, const unsigned char *rec,
                      size_t len, tickets_setup_fn *setup, const void *ctx)
{
    if (t->count < 2 || !tickets_offered(rec, len))
        return 0;
    for (size_t i = 0; i < t->count; i++)
        if (opens(&t->key[i], rec, len, setup, ctx))
            return i;
    return 0;
}
