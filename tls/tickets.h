/* Session tickets that any ucspitlsd process can open, on this machine or
 * on another one sharing the key file: TICKETKEYFILE holds up to
 * TICKETS_MAX keys, newest first. The first seals the tickets every new
 * session gets; every key opens them, so that tickets sealed before a
 * rotation still resume after it.
 *
 * GnuTLS takes one key a session, so the key is chosen before the
 * handshake: when the client's first record carries a ticket (the TLS 1.3
 * pre_shared_key or a TLS 1.2 session_ticket extension) and the first key
 * does not open it, each other key is tried on that record in a session of
 * its own that goes no further than the server's answer. A session resumed
 * under an older key is sent no new ticket (TLS 1.3), so that only the
 * first key seals tickets.
 *
 * The file: each key a PEM block "UCSPITLSD TICKET KEY" of
 * TICKETS_KEY_SIZE bytes; read by root before the engine drops its
 * privileges, and refused when others than its owner may read it. Nothing
 * here prints or exits; keys are wiped when freed. */
#ifndef TICKETS_H
#define TICKETS_H

#include <gnutls/gnutls.h>
#include <stddef.h>

#define TICKETS_MAX 8
#define TICKETS_KEY_SIZE 64
#define TICKETS_FILE_MAX 8192

struct tickets {
    gnutls_datum_t key[TICKETS_MAX];
    size_t count;
};

/* 0, or -1 with a message in err naming the file. */
int tickets_load(struct tickets *t, const char *path, char *err,
                 size_t errsize);
/* Parses the file's bytes. 0, or -1 with what is wrong in err. */
int tickets_parse(struct tickets *t, const unsigned char *text, size_t len,
                  char *err, size_t errsize);
void tickets_free(struct tickets *t);

/* ucspitlsd -K: a new key first, the present first key (when the file
 * exists) second, written atomically with mode 0600. 0, or -1 with err. */
int tickets_rotate(const char *path, char *err, size_t errsize);

/* The key for a session whose client sent first the record rec (len
 * bytes, as it came from the network): the one that opens its ticket, else
 * 0. setup makes a server session ready for a handshake (priority,
 * credentials) without a transport. */
typedef int tickets_setup_fn(gnutls_session_t s, const void *ctx);
size_t tickets_choose(const struct tickets *t, const unsigned char *rec,
                      size_t len, tickets_setup_fn *setup, const void *ctx);

/* Whether the record is a whole ClientHello that carries a ticket. */
int tickets_offered(const unsigned char *rec, size_t len);

#endif
