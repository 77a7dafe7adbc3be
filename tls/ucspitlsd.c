/* ucspitlsd: a UCSPI-TLS server. It forks: this process becomes prog,
 * which never holds the key; the child is the TLS engine (tls/engine.h).
 * STARTTLS mode: prog runs at once, on the plaintext connection, with the
 * control socket and the two plaintext pipes named in SSLCTLFD, SSLREADFD
 * and SSLWRITEFD. Implicit mode (-i): prog runs after the handshake, on
 * the pipes as fds 0 and 1, with the SSL_* variables in its environment. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appenv.h"
#include "channels.h"
#include "check.h"
#include "clock.h"
#include "config.h"
#include "die.h"
#include "engine.h"
#include "exitcodes.h"
#include "sessionid.h"
#include "tickets.h"
#include "ucspitls.h"

extern char **environ;

#define USAGE                                                                  \
    "[-i] [-h handshake_seconds] [-t idle_seconds] prog [arg ...] | -C | "     \
    "-K ticketkeyfile"

static const char *peer(void)
{
    const char *ip = getenv("TCPREMOTEIP");
    return ip && *ip ? ip : "unknown";
}

/* fds 0 and 1 are the network; 2 must be taken, so that no pipe lands on
 * it. */
static void check_stdio(void)
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
    if (st != UCSPITLS_FAILED)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die_sys(EXIT_TEMP, "wait for", "the TLS engine");
    if (st != UCSPITLS_FAILED && cfg->implicit)
        die_msg(EXIT_TEMP, "unable to start the TLS engine: %s",
                ucspitls_strerror(st));
    if (st != UCSPITLS_FAILED)
        warn_msg("unable to start the TLS engine: %s: the session goes on "
                 "without TLS",
                 ucspitls_strerror(st));
    if (cfg->implicit)
        exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_TEMP);
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

int main(int argc, char **argv)
{
    progname = "ucspitlsd";
    die_if_version(argc, argv);
    struct config cfg;
    char err[1024];
    if (config_options(&cfg, argc, argv) < 0)
        die_usage(USAGE);
    if (cfg.check)
        return check_settings(&cfg, environ);
    if (cfg.rotate) {
        if (tickets_rotate(cfg.rotate, err, sizeof err) < 0)
            die_msg(EXIT_TEMP, "%s", err);
        info_msg("%s: a new ticket key, the previous one kept", cfg.rotate);
        return EXIT_OK;
    }
    sessionid_start();
    check_stdio();
    if (config_env(&cfg, environ, err, sizeof err) < 0) {
        if (cfg.implicit)
            die_msg(EXIT_TEMP, "%s", err);
        warn_msg("%s: no TLS for %s, the session goes on without it", err,
                 peer());
        appenv_clean();
        without_tls(NULL);
        execvp(cfg.argv[0], cfg.argv);
        die_sys(EXIT_TEMP, "run", cfg.argv[0]);
    }

    struct channels ch;
    if (channels_open(&ch, !cfg.implicit) < 0)
        die_sys(EXIT_TEMP, "create", "the pipes to the TLS engine");
    pid_t pid = fork();
    if (pid < 0)
        die_sys(EXIT_TEMP, "fork", "the TLS engine");
    if (pid == 0)
        engine_run(&cfg, &ch);
    channels_keep_app(&ch);
    struct bytes block = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    int tls = wait_engine(&cfg, &ch, pid, &block);

    appenv_clean();
    if (!tls) {
        without_tls(&ch);
    } else if (cfg.implicit) {
        enum ucspitls_status st = ucspitls_setenv(block.s, block.len);
        if (st != UCSPITLS_OK)
            die_msg(EXIT_TEMP, "unable to set the TLS variables: %s",
                    ucspitls_strerror(st));
        if (channels_to_stdio(&ch) < 0)
            die_sys(EXIT_TEMP, "set up", "fds 0 and 1");
    } else if (channels_export(&ch) < 0) {
        die_sys(EXIT_TEMP, "set up", "the UCSPI-TLS descriptors");
    }
    bytes_free(&block);
    config_free(&cfg);
    execvp(cfg.argv[0], cfg.argv);
    die_sys(EXIT_TEMP, "run", cfg.argv[0]);
}
