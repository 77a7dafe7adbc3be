#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channels.h"
#include "clock.h"
#include "creds.h"
#include "die.h"
#include "engine.h"
#include "exitcodes.h"
#include "privs.h"
#include "sessionid.h"
#include "warmd.h"
#include "warmreq.h"
#include "warmsock.h"

/* How long a connection on the socket has to send its request. */
#define REQUEST_MS 10000
/* How long a new server has to load the credentials. */
#define LOAD_MS 60000

static volatile sig_atomic_t got_hup, got_term, got_chld;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGCHLD)
        got_chld = 1;
    else
        got_term = 1;
}

/* The signals are blocked except while waiting in ppoll, so that none is
 * lost between a check of the flags and the wait. */
static void catch_signals(sigset_t *waiting)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGCHLD};
    sigset_t block;
    sigemptyset(&block);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaddset(&block, sigs[i]);
        sigaction(sigs[i], &sa, NULL);
    }
    sigprocmask(SIG_BLOCK, &block, waiting);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigdelset(waiting, sigs[i]);
}

static void default_signals(const sigset_t *waiting)
{
    signal(SIGHUP, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, waiting, NULL);
}

/* A request that cannot be served: said in the daemon's log, and the
 * descriptors it brought closed by the exit. */
__attribute__((noreturn)) static void refuse(const struct config *cfg,
                                             const char *why)
{
    warn_msg("refused a request on %s: %s", cfg->socket, why);
    _exit(EXIT_TEMP);
}

/* A received descriptor of the expected kind: a pipe, or a socket. */
static int kind(int fd, int socket)
{
    struct stat st;
    return fstat(fd, &st) == 0 &&
           (socket ? S_ISSOCK(st.st_mode) : S_ISFIFO(st.st_mode));
}

/* The descriptors of a request, in this order: the network (read, write),
 * the connection's stderr, the report pipe, the up and down pipes, and in
 * STARTTLS mode the control socket. Those of fds 0 to 2 take their
 * places; the others are moved above 2 first, so that none is lost. */
enum { NET_IN, NET_OUT, ERR, REPORT, UP, DOWN, CONTROL };

static void place(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] <= 2 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
            _exit(EXIT_TEMP);
    for (int i = NET_IN; i <= ERR; i++)
        if (dup2(fds[i], i) < 0)
            _exit(EXIT_TEMP);
    for (int i = NET_IN; i <= ERR; i++)
        close(fds[i]);
}

/* One connection on the socket, in a process of its own. */
__attribute__((noreturn)) static void engine(const struct config *cfg,
                                             struct creds *cr, int c,
                                             const sigset_t *waiting)
{
    default_signals(waiting);
    char buf[WARMREQ_MAX];
    int fds[WARMSOCK_FDS];
    size_t len, n;
    enum warmsock_status st = warmsock_recv(c, buf, sizeof buf, &len, fds, &n,
                                            clock_ms() + REQUEST_MS);
    if (st != WARMSOCK_OK)
        refuse(cfg, warmsock_strerror(st));
    close(c);
    struct warmreq r;
    if (warmreq_decode(&r, buf, len) < 0)
        refuse(cfg, "a malformed request");
    if (n != (r.implicit ? 6u : 7u))
        refuse(cfg, "not the descriptors of its mode");
    if (!kind(fds[REPORT], 0) || !kind(fds[UP], 0) || !kind(fds[DOWN], 0) ||
        (!r.implicit && !kind(fds[CONTROL], 1)))
        refuse(cfg, "not the descriptors of its mode");
    place(fds, n);
    if (sessionid_adopt(r.session) < 0 ||
        (r.ip[0] ? setenv("TCPREMOTEIP", r.ip, 1) : unsetenv("TCPREMOTEIP")))
        die_nomem();
    struct config own = *cfg;
    own.implicit = r.implicit;
    own.handshake_ms = r.handshake_ms;
    own.idle_ms = r.idle_ms;
    struct channels ch = {.app_control = -1,
                          .engine_control = r.implicit ? -1 : fds[CONTROL],
                          .app_in = -1,
                          .engine_out = fds[DOWN],
                          .engine_in = fds[UP],
                          .app_out = -1,
                          .report_in = -1,
                          .report_out = fds[REPORT]};
    signal(SIGPIPE, SIG_IGN);
    if (channels_keep_engine(&ch) < 0)
        die_sys(EXIT_TEMP, "set up", "the application's pipes");
    engine_serve(&own, cr, &ch);
}

/* Whether the process at the other end may have an engine: root, and the
 * socket's owner. */
static int allowed(const struct config *cfg, int c)
{
    uid_t uid;
    return warmsock_peer_uid(c, &uid) == 0 &&
           (uid == 0 || uid == cfg->socket_uid);
}

/* The server: loads the credentials, drops its privileges, says so on
 * ready, and forks an engine for each connection, at most max_engines
 * at once. Ends on SIGTERM; its engines go on. */
__attribute__((noreturn)) static void serve(const struct config *cfg, int ls,
                                            int ready, const sigset_t *waiting)
{
    char err[1024];
    struct creds cr;
    got_hup = got_term = got_chld = 0;
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (creds_load(&cr, cfg, err, sizeof err) < 0 ||
        privs_drop(cfg, err, sizeof err) < 0)
        die_msg(EXIT_TEMP, "%s", err);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        die_sys(EXIT_TEMP, "make", "the TLS process undumpable");
    if (write(ready, "", 1) != 1)
        _exit(EXIT_TEMP);
    close(ready);
    unsigned long active = 0;
    while (!got_term) {
        struct pollfd pf = {.fd = ls,
                            .events = active < cfg->max_engines ? POLLIN : 0};
        if (ppoll(&pf, 1, NULL, waiting) < 0 && errno != EINTR)
            die_sys(EXIT_TEMP, "wait for", "connections");
        for (got_chld = 0; waitpid(-1, NULL, WNOHANG) > 0;)
            active--;
        if (!(pf.revents & POLLIN) || got_term)
            continue;
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        if (!allowed(cfg, c)) {
            warn_msg("refused a connection on %s: not root or the "
                     "socket's owner",
                     cfg->socket);
            close(c);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(ls);
            engine(cfg, &cr, c, waiting);
        }
        if (pid < 0)
            warn_sys("fork", "a TLS engine");
        else
            active++;
        close(c);
    }
    creds_free(&cr);
    _exit(EXIT_OK);
}

/* A new server, once it has loaded the credentials; -1 when it could not
 * (it has said why). */
static pid_t start(const struct config *cfg, int ls, const sigset_t *waiting)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        warn_sys("create", "a pipe");
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        serve(cfg, ls, p[1], waiting);
    }
    close(p[1]);
    char c;
    int r = clock_wait_fd(p[0], POLLIN, clock_ms() + LOAD_MS);
    int ok = pid > 0 && r == 1 && read(p[0], &c, 1) == 1;
    close(p[0]);
    if (pid > 0 && !ok) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (pid < 0)
        warn_sys("fork", "the engine server");
    return ok ? pid : -1;
}

void warmd_run(const struct config *cfg)
{
    sigset_t waiting;
    catch_signals(&waiting);
    int ls = warmsock_listen(cfg->socket, cfg->socket_uid, 0);
    if (ls < 0)
        die_sys(EXIT_TEMP, "create the socket", cfg->socket);
    pid_t server = start(cfg, ls, &waiting);
    if (server < 0) {
        unlink(cfg->socket);
        die_msg(EXIT_TEMP, "unable to start the engine server: fix what it "
                           "said, then start ucspitlsd -S again");
    }
    info_msg("ready for connections on %s", cfg->socket);
    while (!got_term) {
        /* A server that ended by itself is started again, once a second
         * at most. */
        struct timespec second = {1, 0};
        if (ppoll(NULL, 0, server < 0 ? &second : NULL, &waiting) < 0 &&
            errno != EINTR)
            die_sys(EXIT_TEMP, "wait for", "signals");
        pid_t pid;
        int status;
        for (got_chld = 0; (pid = waitpid(-1, &status, WNOHANG)) > 0;)
            if (pid == server) {
                warn_msg("the engine server ended (status %d): starting "
                         "another",
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128);
                server = -1;
            }
        if (got_term || (!got_hup && server > 0))
            continue;
        got_hup = 0;
        pid_t fresh = start(cfg, ls, &waiting);
        if (fresh < 0 && server > 0)
            warn_msg("unable to load the credentials again: the engine "
                     "server goes on with those it has");
        if (fresh < 0)
            continue;
        if (server > 0)
            kill(server, SIGTERM);
        server = fresh;
        info_msg("credentials loaded again");
    }
    if (server > 0)
        kill(server, SIGTERM);
    unlink(cfg->socket);
    _exit(EXIT_OK);
}
