/* ucspitlsd's configuration: the options on its command line and the
 * variables in its environment. Nothing here opens a file (the TLS engine
 * reads the files the variables name, at every connection), prints or
 * exits. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sni.h"

#define HANDSHAKE_SECONDS 30
#define IDLE_SECONDS 1200
#define TIMEOUT_SECONDS_MAX 86400
#define ENGINES_DEFAULT 400
#define ENGINES_MAX 100000

/* Modern TLS only: TLS 1.3 and 1.2, forward secrecy, AEAD ciphers, no
 * SHA-1 signatures. */
#define DEFAULT_CIPHERS                                                        \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"                              \
    "-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:"                \
    "-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:"                 \
    "-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1"

struct config {
    int check;                 /* -C: check the settings, serve nothing */
    int implicit;              /* -i: the handshake first, then prog */
    int64_t handshake_ms;      /* -h */
    int64_t idle_ms;           /* -t */
    char **argv;               /* prog and its arguments */
    const char *certfile;      /* CERTFILE */
    const char *keyfile;       /* KEYFILE, else CERTFILE */
    const char *cafile;        /* CAFILE, or NULL: no client certificates */
    const char *dhfile;        /* DHFILE, or NULL: the RFC 7919 groups */
    const char *ciphers;       /* CIPHERS, else DEFAULT_CIPHERS */
    const char *chroot;        /* TLS_CHROOT, or NULL */
    const char *tickets;       /* TICKETKEYFILE, or NULL: no session tickets */
    const char *rotate;        /* -K: the ticket key file to make or rotate */
    const char *socket;        /* -S: the warm engine daemon's socket */
    unsigned long max_engines; /* -c: its engines at once */
    uid_t socket_uid;          /* -u: who else than root may connect */
    int set_uid, set_gid;      /* TLS_UID (SSL_UID), TLS_GID (SSL_GID) given */
    uid_t uid;
    gid_t gid;
    struct sni_table sni; /* CERTFILE:name, KEYFILE:name */
};

/* The options, up to prog (none with -C, -K or -S). 0, or -1 when they are
 * not those of the usage line (the caller says it). */
int config_options(struct config *c, int argc, char **argv);

/* The variables of envp. 0, or -1 with a message naming the variable in
 * err. */
int config_env(struct config *c, char *const *envp, char *err, size_t errsize);

void config_free(struct config *c);

#endif
