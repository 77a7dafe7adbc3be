/* Exit codes shared by the suite. qmail's conventions, plus the contracts
 * between authup and the programs it runs. */
#ifndef EXITCODES_H
#define EXITCODES_H

enum {
    EXIT_OK = 0,
    EXIT_REJECTED = 1,        /* checkpassword: bad name or password */
    EXIT_MISUSE = 2,          /* checkpassword: malformed fd-3 input */
    EXIT_NO_RETRY = 12,       /* reup: do not run the program again */
    EXIT_GREETING_TEMP = 14,  /* the server greeted with 4xx */
    EXIT_GREETING_PERM = 15,  /* the server greeted with 5xx */
    EXIT_SERVER_TIMEOUT = 16, /* the server (or its client) timed out */
    EXIT_RULES = 18,          /* fixsmtpio could not parse its rules */
    EXIT_QQ_WRITE = 53,       /* qmail-queue: write error */
    EXIT_QQ_READ = 54,        /* qmail-queue: read error */
    EXIT_QQ_BUG = 81,         /* qmail-queue: internal bug */
    EXIT_PERM = 100,          /* permanent failure, usage error */
    EXIT_TEMP = 111           /* temporary failure */
};

#endif
