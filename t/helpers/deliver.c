/* deliver [--filter PROG] MAILDIR: msmtpd's delivery command in tests and
 * the demo. The message on stdin goes into MAILDIR/new (through tmp/,
 * renamed when whole). With --filter, the message goes through PROG first
 * (run by sh, message on its stdin, the new message on its stdout), as
 * qmail-qfilter runs a filter such as qmail-qfilter-addtlsheader: unless
 * PROG exits 0 the message is not delivered, and deliver exits with PROG's
 * code, so a filter that fails half way never leaves half a message.
 *
 * msmtpd streams the message into this command as it reads it from the
 * client and closes the pipe both when the message is complete and when it
 * stops half way, so end of file alone does not say the message is whole.
 * When it is, msmtpd is alive and waiting for this command to exit; when
 * msmtpd was stopped in the middle (fixsmtpio terminates the server when the
 * client vanishes inside a message, or sends a message it refuses), it is
 * gone, perhaps before this command even started. So the message is kept
 * only if the msmtpd this command runs under is waiting for it. Nothing may
 * go to stdout: under msmtpd --inetd that is the SMTP client. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The state letter and parent of a process from /proc; 0 when gone. */
static char proc_state(pid_t pid, pid_t *ppid, char *comm, size_t size)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *open_paren = strchr(buf, '(');
    char *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren[1] == 0)
        return 0;
    if (comm) {
        size_t len = (size_t)(close_paren - open_paren - 1);
        if (len >= size)
            len = size - 1;
        memcpy(comm, open_paren + 1, len);
        comm[len] = 0;
    }
    char state = close_paren[2];
    if (ppid)
        *ppid = (pid_t)atol(close_paren + 4);
    return state;
}

static pid_t find_msmtpd(void)
{
    pid_t pid = getppid();
    for (int depth = 0; depth < 4 && pid > 1; depth++) {
        char comm[64];
        pid_t parent;
        if (!proc_state(pid, &parent, comm, sizeof comm))
            return 0;
        if (strcmp(comm, "msmtpd") == 0)
            return pid;
        pid = parent;
    }
    return 0;
}

/* 1 when msmtpd sits in wait(2) for its delivery command, 0 when it is gone
 * or dying; waits up to 5 seconds to tell. */
static int msmtpd_waits(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/wchan", (long)pid);
    for (int i = 0; i < 1000; i++) {
        char state = proc_state(pid, NULL, NULL, 0);
        if (state == 0 || state == 'Z' || state == 'X')
            return 0;
        char wchan[64] = "";
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, wchan, sizeof wchan - 1);
            wchan[n > 0 ? n : 0] = 0;
            close(fd);
        }
        if (strcmp(wchan, "do_wait") == 0)
            return 1;
        poll(NULL, 0, 5);
    }
    return 0;
}

/* Runs filter with our stdin as its stdin; returns the read end of its
 * stdout, or -1. */
static int start_filter(const char *filter, pid_t *pid)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    *pid = fork();
    if (*pid < 0)
        return -1;
    if (*pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl("/bin/sh", "sh", "-c", filter, (char *)NULL);
        _exit(111);
    }
    close(p[1]);
    return p[0];
}

/* The filter's exit code: 0 when it ran through. */
static int filter_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 111;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 111;
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    if (argc > 2 && strcmp(argv[1], "--filter") == 0) {
        filter = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2) {
        fprintf(stderr, "deliver: usage: deliver [--filter PROG] MAILDIR "
                        "[recipient ...]\n");
        return 100;
    }
    pid_t msmtpd = find_msmtpd();
    char name[256], tmp[4096], new[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof name, "%lld.%09ld.P%ld", (long long)ts.tv_sec,
             ts.tv_nsec, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", argv[1], name);
    snprintf(new, sizeof new, "%s/new/%s", argv[1], name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        fprintf(stderr, "deliver: fatal: unable to create %s: %s\n", tmp,
                strerror(errno));
        return 111;
    }
    int in = 0;
    pid_t fpid = -1;
    if (filter && (in = start_filter(filter, &fpid)) < 0) {
        fprintf(stderr, "deliver: fatal: unable to run %s: %s\n", filter,
                strerror(errno));
        unlink(tmp);
        return 111;
    }
    static char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0)
                goto fail;
            off += w;
        }
    }
    if (fsync(fd) < 0 || close(fd) < 0)
        goto fail;
    if (filter) {
        int code = filter_status(fpid);
        if (code != 0) {
            unlink(tmp);
            fprintf(stderr, "deliver: %s exited %d: not delivered\n", filter,
                    code);
            return code;
        }
    }
    /* No msmtpd above this command: it was stopped before this command
     * even looked, which is as much in the middle of the message. */
    if (!msmtpd || !msmtpd_waits(msmtpd)) {
        unlink(tmp);
        fprintf(stderr, "deliver: msmtpd went away in the middle of the "
                        "message: not delivered\n");
        return 111;
    }
    if (rename(tmp, new) < 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "deliver: fatal: unable to write %s: %s\n", tmp,
            strerror(errno));
    unlink(tmp);
    return 111;
}
