#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channels.h"

/* Larger pipes than the default 64 KiB take fewer turns of the relay;
 * the kernel caps the size at /proc/sys/fs/pipe-max-size. */
#define PIPE_BYTES (256 * 1024)

void channels_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void close_all(struct channels *ch)
{
    channels_close(&ch->app_control);
    channels_close(&ch->engine_control);
    channels_close(&ch->app_in);
    channels_close(&ch->engine_out);
    channels_close(&ch->engine_in);
    channels_close(&ch->app_out);
    channels_close(&ch->report_in);
    channels_close(&ch->report_out);
}

int channels_open(struct channels *ch, int control)
{
    int sv[2] = {-1, -1}, down[2], up[2], report[2];
    ch->app_control = ch->engine_control = -1;
    ch->app_in = ch->engine_out = ch->engine_in = ch->app_out = -1;
    ch->report_in = ch->report_out = -1;
    if (control && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    ch->app_control = sv[0];
    ch->engine_control = sv[1];
    if (pipe2(down, O_CLOEXEC) < 0)
        goto fail;
    ch->app_in = down[0];
    ch->engine_out = down[1];
    if (pipe2(up, O_CLOEXEC) < 0)
        goto fail;
    ch->engine_in = up[0];
    ch->app_out = up[1];
    if (pipe2(report, O_CLOEXEC) < 0)
        goto fail;
    ch->report_in = report[0];
    ch->report_out = report[1];
    /* Best effort: the relay works with any pipe size. */
    (void)fcntl(ch->engine_out, F_SETPIPE_SZ, PIPE_BYTES);
    (void)fcntl(ch->app_out, F_SETPIPE_SZ, PIPE_BYTES);
    return 0;
fail:;
    int saved = errno;
    close_all(ch);
    errno = saved;
    return -1;
}

static int nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int channels_keep_engine(struct channels *ch)
{
    channels_close(&ch->app_control);
    channels_close(&ch->app_in);
    channels_close(&ch->app_out);
    channels_close(&ch->report_in);
    if (nonblock(ch->engine_in) < 0 || nonblock(ch->engine_out) < 0)
        return -1;
    return 0;
}

void channels_keep_app(struct channels *ch)
{
    channels_close(&ch->engine_control);
    channels_close(&ch->engine_in);
    channels_close(&ch->engine_out);
    channels_close(&ch->report_out);
}

static int export(const char *name, int fd)
{
    char num[16];
    snprintf(num, sizeof num, "%d", fd);
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
        return -1;
    return setenv(name, num, 1);
}

int channels_export(struct channels *ch)
{
    if (export("SSLCTLFD", ch->app_control) < 0 ||
        export("SSLREADFD", ch->app_in) < 0 ||
        export("SSLWRITEFD", ch->app_out) < 0)
        return -1;
    return 0;
}

int channels_to_stdio(struct channels *ch)
{
    if (dup2(ch->app_in, 0) < 0 || dup2(ch->app_out, 1) < 0)
        return -1;
    channels_close(&ch->app_in);
    channels_close(&ch->app_out);
    return 0;
}
