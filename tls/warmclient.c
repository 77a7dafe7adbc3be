#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "sessionid.h"
#include "warmclient.h"
#include "warmreq.h"
#include "warmsock.h"

int warmclient_start(const char *socket, const struct config *cfg,
                     struct channels *ch)
{
    struct warmreq r;
    char buf[WARMREQ_MAX];
    warmreq_from(&r, cfg->implicit, cfg->handshake_ms, cfg->idle_ms,
                 getenv("TCPREMOTEIP"), sessionid());
    size_t len = warmreq_encode(&r, buf, sizeof buf);
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    if (channels_open(ch, !cfg->implicit) < 0)
        return -1;
    int s = warmsock_connect(socket);
    int fds[WARMSOCK_FDS] = {0,
                             1,
                             2,
                             ch->report_out,
                             ch->engine_in,
                             ch->engine_out,
                             ch->engine_control};
    if (s < 0 || warmsock_send(s, buf, len, fds, cfg->implicit ? 6 : 7) < 0) {
        int saved = errno;
        if (s >= 0)
            close(s);
        channels_keep_app(ch);
        channels_close(&ch->app_control);
        channels_close(&ch->app_in);
        channels_close(&ch->app_out);
        channels_close(&ch->report_in);
        errno = saved;
        return -1;
    }
    close(s);
    channels_keep_app(ch);
    return 0;
}
