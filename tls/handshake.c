#include <poll.h>

#include "clock.h"
#include "handshake.h"
#include "netio.h"

/* The SNI callback: GnuTLS has read the ClientHello and not yet chosen a
 * certificate. */
static int choose_certificate(gnutls_session_t s)
{
    const struct creds *c = gnutls_session_get_ptr(s);
    char name[256];
    size_t len = sizeof name;
    unsigned type;
    if (gnutls_server_name_get(s, name, &len, &type, 0) == 0 &&
        type == GNUTLS_NAME_DNS && len < sizeof name)
        return gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
                                      creds_for(c, name, len));
    return 0;
}

int handshake_prepare(gnutls_session_t s, const void *creds)
{
    const struct creds *c = creds;
    int r = gnutls_priority_set(s, c->priority);
    if (r >= 0)
        r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->fallback);
    if (r < 0)
        return r;
    if (c->client_certs)
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
    gnutls_session_set_ptr(s, (void *)c);
    if (c->names->count)
        gnutls_handshake_set_post_client_hello_function(s, choose_certificate);
    return 0;
}

int handshake_session(gnutls_session_t *s, const struct creds *c, int rfd,
                      int wfd, const gnutls_datum_t *ticket_key, int issue)
{
    /* Without a ticket key shared by every process, a ticket could never
     * be used to resume: none are sent. */
    unsigned flags = GNUTLS_SERVER | GNUTLS_NO_SIGNAL;
    if (!ticket_key)
        flags |= GNUTLS_NO_TICKETS;
    else if (!issue)
        flags |= GNUTLS_NO_AUTO_SEND_TICKET;
    int r = gnutls_init(s, flags);
    if (r < 0)
        return r;
    r = handshake_prepare(*s, c);
    if (r >= 0 && ticket_key)
        r = gnutls_session_ticket_enable_server(*s, ticket_key);
    if (r < 0) {
        gnutls_deinit(*s);
        *s = NULL;
        return r;
    }
    netio_attach(*s, rfd, wfd);
    return 0;
}

int handshake_wait(gnutls_session_t s, int rfd, int wfd, int64_t deadline)
{
    int writing = gnutls_record_get_direction(s) == 1;
    return writing ? clock_wait_fd(wfd, POLLOUT, deadline)
                   : clock_wait_fd(rfd, POLLIN, deadline);
}

int handshake_run(gnutls_session_t s, int rfd, int wfd, int64_t deadline)
{
    for (;;) {
        int r = gnutls_handshake(s);
        if (r == 0)
            return 0;
        if (gnutls_error_is_fatal(r)) {
            if (r != GNUTLS_E_PUSH_ERROR && r != GNUTLS_E_PULL_ERROR &&
                r != GNUTLS_E_PREMATURE_TERMINATION)
                (void)gnutls_alert_send_appropriate(s, r);
            return r;
        }
        if (clock_ms() >= deadline)
            return GNUTLS_E_TIMEDOUT;
        if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
            continue; /* a warning alert, for one */
        if (netio_peer_closed())
            return GNUTLS_E_PREMATURE_TERMINATION;
        int w = handshake_wait(s, rfd, wfd, deadline);
        if (w == 0)
            return GNUTLS_E_TIMEDOUT;
        if (w < 0)
            return GNUTLS_E_PULL_ERROR;
    }
}
