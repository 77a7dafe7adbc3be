/* The warm engine daemon's socket (tls/warmd.h): a SOCK_SEQPACKET unix
 * socket, so that a request and its descriptors arrive as one message or
 * not at all, and one that does not fit is seen as cut, never read in
 * pieces. Nothing here prints or exits. */
#ifndef WARMSOCK_H
#define WARMSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The most descriptors one request carries. */
#define WARMSOCK_FDS 7

/* Makes the socket at path (replacing a socket left there), mode 0600,
 * owned by uid (and gid). The listening descriptor, or -1 with errno. */
int warmsock_listen(const char *path, uid_t uid, gid_t gid);

/* The connected descriptor, or -1 with errno. */
int warmsock_connect(const char *path);

/* Sends len bytes and n descriptors (n <= WARMSOCK_FDS) as one message.
 * 0, or -1 with errno. */
int warmsock_send(int s, const char *p, size_t len, const int *fds, size_t n);

enum warmsock_status {
    WARMSOCK_OK,
    WARMSOCK_TIMEOUT, /* nothing before the deadline */
    WARMSOCK_CLOSED,  /* the peer closed without a message */
    WARMSOCK_TOOBIG,  /* more bytes or descriptors than allowed */
    WARMSOCK_NOFDS,   /* no descriptors, or not only descriptors */
    WARMSOCK_SYSTEM   /* errno says */
};

/* Receives one message: up to size bytes into buf (*len) and up to
 * WARMSOCK_FDS descriptors into fds (*n, made close-on-exec), waiting
 * until deadline (lib/clock.h). Anything else than OK leaves no
 * descriptor open. */
enum warmsock_status warmsock_recv(int s, char *buf, size_t size, size_t *len,
                                   int *fds, size_t *n, int64_t deadline);

const char *warmsock_strerror(enum warmsock_status st);

/* The uid of the process at the other end of a connected socket, or -1. */
int warmsock_peer_uid(int s, uid_t *uid);

#endif
