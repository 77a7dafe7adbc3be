/* reup: runs prog again while it exits with anything but 0 or 12, at most
 * tries times. acceptutils' run scripts put it in front of authup, which
 * takes the tries as its own (see authup(8)); for any other program it is
 * a plain retry loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "child.h"
#include "die.h"
#include "sessionid.h"
#include "exitcodes.h"
#include "number.h"

#define TRIES_MAX 1000000

static void set_number(const char *name, unsigned long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lu", v);
    if (setenv(name, num, 1) < 0)
        die_nomem();
}

int main(int argc, char **argv)
{
    progname = "reup";
    die_if_version(argc, argv);
    static const char usage[] = "[-t tries] prog [arg ...]";
    unsigned long tries = 0; /* no limit */
    int i = 1;
    if (i < argc && argv[i][0] == '-' && argv[i][1] == 't') {
        const char *v = argv[i][2] ? argv[i] + 2 : argv[++i];
        if (number_scan(v, TRIES_MAX, &tries) < 0)
            die_usage(usage);
        i++;
    }
    if (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && !argv[i][2])
        i++;
    if (i >= argc)
        die_usage(usage);
    set_number("REUP_TRIES", tries);
    sessionid_start(); /* one for every try on the connection */
    for (unsigned long n = 1;; n++) {
        set_number("REUP", n);
        pid_t pid = child_run(argv + i);
        if (pid < 0)
            die_sys(EXIT_TEMP, "run", argv[i]);
        int status;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                die_sys(EXIT_TEMP, "wait for", argv[i]);
        if (!WIFEXITED(status)) {
            warn_msg("%s was killed by signal %d: not running it again",
                     argv[i], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            return EXIT_TEMP;
        }
        int code = WEXITSTATUS(status);
        if (code == EXIT_OK || code == EXIT_NO_RETRY || n == tries)
            return code;
    }
}
