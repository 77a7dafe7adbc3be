/* ucspitlsd: a UCSPI-TLS server. It forks: this process becomes prog,
 * which never holds the key; the child is the TLS engine (tls/engine.h).
 * STARTTLS mode: prog runs at once, on the plaintext connection, with the
 * control socket and the two plaintext pipes named in SSLCTLFD, SSLREADFD
 * and SSLWRITEFD. Implicit mode (-i): prog runs after the handshake, on
 * the pipes as fds 0 and 1, with the SSL_* variables in its environment.
 * With TLSENGINE, the engine is not forked here but by the warm daemon
 * that variable names (ucspitlsd -S, tls/warmd.h), which has the
 * credentials loaded; everything else is the same. */
#include <stdlib.h>
#include <unistd.h>

#include "appside.h"
#include "channels.h"
#include "check.h"
#include "config.h"
#include "die.h"
#include "engine.h"
#include "exitcodes.h"
#include "sessionid.h"
#include "tickets.h"
#include "warmd.h"

extern char **environ;

#define USAGE                                                                  \
    "[-i] [-h handshake_seconds] [-t idle_seconds] prog [arg ...] | -C | "     \
    "-K ticketkeyfile | -S socket [-c engines] [-u uid]"

/* The engine: a child of this process, or with TLSENGINE one the warm
 * daemon forks (tls/warmd.h; 0 is returned then). */
static pid_t start_engine(struct config *cfg, struct channels *ch)
{
    const char *warm = getenv("TLSENGINE");
    if (warm && *warm) {
        appside_warm(cfg, ch, warm);
        return 0;
    }
    char err[1024];
    if (config_env(cfg, environ, err, sizeof err) < 0)
        appside_no_engine(cfg, err);
    if (channels_open(ch, !cfg->implicit) < 0)
        die_sys(EXIT_TEMP, "create", "the pipes to the TLS engine");
    pid_t pid = fork();
    if (pid < 0)
        die_sys(EXIT_TEMP, "fork", "the TLS engine");
    if (pid == 0)
        engine_run(cfg, ch);
    channels_keep_app(ch);
    return pid;
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
    if (cfg.socket) {
        if (config_env(&cfg, environ, err, sizeof err) < 0)
            die_msg(EXIT_TEMP, "%s", err);
        warmd_run(&cfg);
    }
    sessionid_start();
    appside_check_stdio();
    struct channels ch;
    pid_t pid = start_engine(&cfg, &ch);
    appside_run(&cfg, &ch, pid);
}
