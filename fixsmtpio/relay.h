/* Moving bytes between the client's fds, the server's pipes and the
 * session's buffers, with poll(2), an idle deadline and bounded buffers. */
#ifndef RELAY_H
#define RELAY_H

#include <stdint.h>

#include "child.h"
#include "session.h"

struct relay;

/* STARTTLS: called once the 220 has gone out and everything the client sent
 * after STARTTLS is dropped. Puts the TLS pipes where client_in and
 * client_out (0 and 1) are, and restarts the server. Returns 0, or -1 when TLS
 * failed (the session then ends with exit code 111). */
typedef int relay_starttls_fn(struct relay *r);

struct relay {
    struct session *s;
    int client_in, client_out;
    char **argv; /* the server */
    struct child child;
    int64_t timeout_ms;
    int client_eof;
    int client_gone;    /* writing to the client failed */
    int server_eof;     /* the server closed its stdout */
    int killed;         /* we stopped the server with a signal */
    int last_status;    /* of a server stopped for a refused message */
    uint64_t bytes_in;  /* from the client */
    uint64_t bytes_out; /* to the client */
    relay_starttls_fn *starttls;
    void *ctx;
};

/* Starts (or restarts) the server and tells the session, which sends it
 * the HELO or EHLO line it keeps. 0, or -1 with errno. */
int relay_start_server(struct relay *r);
/* Stops the server: closes its stdin, waits up to grace_ms, then kills it.
 * Returns its wait status. */
int relay_stop_server(struct relay *r, int grace_ms);
/* Runs the session to its end; returns fixsmtpio's exit code. */
int relay_run(struct relay *r);

#endif
