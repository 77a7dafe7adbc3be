#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appenv.h"
#include "appside.h"
#include "clock.h"
#include "die.h"
#include "exitcodes.h"
#include "ucspitls.h"
#include "warmclient.h"

static const char *peer(void)
{
    const char *ip = getenv("TCPREMOTEIP");
    return ip && *ip ? ip : "unknown";
}

void appside_check_stdio(void)
{
    if (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0)
        die_msg(EXIT_TEMP, "unable to find the network connection: fds 0 "
                           "and 1 are not open");
    if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2)
        die_sys(EXIT_TEMP, "open", "/dev/null");
}

/* The engine's report: the block it sends when prog may run. Without one,
 * the engine has failed and said why: with implicit TLS this process exits
 * as it did; with STARTTLS it returns 0, and prog runs without TLS. */
static int wait_engine(const struct config *cfg, struct channels *ch, pid_t pid,
                       struct bytes *block)
{
    int64_t deadline = clock_ms() + cfg->handshake_ms + 30000;
    enum ucspitls_status st =
        ucspitls_read_block(ch->report_in, deadline, block);
    channels_close(&ch->report_in);
    if (st == UCSPITLS_OK)
        return 1;
    /* The warm daemon's engine (pid 0) ends when its channels close. */
    if (st != UCSPITLS_FAILED && pid > 0)
        kill(pid, SIGKILL);
    int code = EXIT_TEMP, status;
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                die_sys(EXIT_TEMP, "wait for", "the TLS engine");
        if (WIFEXITED(status))
            code = WEXITSTATUS(status);
    }
    if (st != UCSPITLS_FAILED && cfg->implicit)
        die_msg(EXIT_TEMP, "unable to start the TLS engine: %s",
                ucspitls_strerror(st));
    if (st != UCSPITLS_FAILED)
        warn_msg("unable to start the TLS engine: %s: the session goes on "
                 "without TLS",
                 ucspitls_strerror(st));
    if (cfg->implicit)
        exit(code);
    return 0;
}

/* STARTTLS without a TLS engine: prog gets no UCSPI-TLS descriptors, and
 * when TLS was only offered (UCSPITLS not '!') DISABLETLS, so that it
 * neither offers STARTTLS nor warns again; when TLS is required, prog
 * refuses the session with a temporary error of its protocol. */
static void without_tls(struct channels *ch)
{
    if (ch) {
        channels_close(&ch->app_control);
        channels_close(&ch->app_in);
        channels_close(&ch->app_out);
    }
    const char *level = getenv("UCSPITLS");
    if ((!level || strcmp(level, "!") != 0) && setenv("DISABLETLS", "1", 1) < 0)
        die_nomem();
}

void appside_no_engine(struct config *cfg, const char *err)
{
    if (cfg->implicit)
        die_msg(EXIT_TEMP, "%s", err);
    warn_msg("%s: no TLS for %s, the session goes on without it", err, peer());
    appenv_clean();
    without_tls(NULL);
    execvp(cfg->argv[0], cfg->argv);
    die_sys(EXIT_TEMP, "run", cfg->argv[0]);
}

void appside_warm(struct config *cfg, struct channels *ch, const char *socket)
{
    char err[1024];
    if (!socket || !*socket)
        appside_no_engine(cfg, "unable to reach the TLS engine daemon: "
                               "TLSENGINE is not set");
    if (warmclient_start(socket, cfg, ch) < 0) {
        snprintf(err, sizeof err,
                 "unable to reach the TLS engine daemon at %.512s: %s", socket,
                 strerror(errno));
        appside_no_engine(cfg, err);
    }
}

void appside_run(struct config *cfg, struct channels *ch, pid_t pid)
{
    struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    int tls = wait_engine(cfg, ch, pid, &block);

    appenv_clean();
    if (!tls) {
        without_tls(ch);
    } else if (cfg->implicit) {
        enum ucspitls_status st = ucspitls_setenv(block.s, block.len);
        if (st != UCSPITLS_OK)
            die_msg(EXIT_TEMP, "unable to set the TLS variables: %s",
                    ucspitls_strerror(st));
        if (channels_to_stdio(ch) < 0)
            die_sys(EXIT_TEMP, "set up", "fds 0 and 1");
    } else if (channels_export(ch) < 0) {
        die_sys(EXIT_TEMP, "set up", "the UCSPI-TLS descriptors");
    }
    bytes_free(&block);
    config_free(cfg);
    execvp(cfg->argv[0], cfg->argv);
    die_sys(EXIT_TEMP, "run", cfg->argv[0]);
}
