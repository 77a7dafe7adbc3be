/* authup's limits across connections: control/authuplimits parsed on every
 * kind of bad line, the network an address is counted by, and the counts
 * file driven with a clock of the test's own (windows open and close, the
 * known-address exception, a file that is not ours, a directory that
 * cannot be used, and a file that stays one size however many keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "loginlimits.h"
#include "throttle.h"

#define B(lit) lit, sizeof lit - 1

static void parse_ok(const char *text, unsigned long af, unsigned long aw,
                     unsigned long uf, unsigned long uw, unsigned long k,
                     const char *name)
{
    struct limits l;
    size_t col = 0;
    const char *why = NULL;
    is_int((long long)limits_parse(&l, text, strlen(text), &col, &why), 0,
           name);
    ok(l.address_failures == af && l.address_window == aw &&
           l.account_failures == uf && l.account_window == uw && l.known == k,
       "  its values");
}

static void parse_bad(const char *text, size_t line, size_t col,
                      const char *name)
{
    struct limits l;
    size_t c = 0;
    const char *why = NULL;
    is_int((long long)limits_parse(&l, text, strlen(text), &c, &why),
           (long long)line, name);
    is_int((long long)c, (long long)col, "  at its column");
    ok(why && *why, "  saying why (%s)", why ? why : "");
}

static void limits_tests(void)
{
    parse_ok("", 10, 600, 30, 600, 2592000, "empty file: the defaults");
    parse_ok("# comment\n\n  \t\naddress 5 60\r\naccount 0 1\nknown 86400\n", 5,
             60, 0, 1, 86400, "every setting, comments, blanks, CR");
    parse_ok("address\t100000\t31622400", 100000, 31622400, 30, 600, 2592000,
             "tabs, the largest values, no final newline");
    parse_bad("address 10\n", 1, 11, "address without seconds");
    parse_bad("\naccount x 600\n", 2, 9, "account with a word for a count");
    parse_bad("address 100001 600\n", 1, 9, "a count over 100000");
    parse_bad("address 1 31622401\n", 1, 11, "seconds over a year and a day");
    parse_bad("address 1 0\n", 1, 11, "a window of 0 s");
    parse_bad("known 0\n", 1, 7, "known 0");
    parse_bad("address 1 2 3\n", 1, 13, "more than the line takes");
    parse_bad("addresses 1 2\n", 1, 1, "an unknown setting");
    parse_bad("address -1 2\n", 1, 9, "a sign");
    parse_bad("address 99999999999999999999999 2\n", 1, 9,
              "a number that overflows");
}

static void network_is(const char *ip, const char *want, const char *name)
{
    char out[64];
    throttle_network(out, sizeof out, ip);
    is_str(out, want, name);
}

static void network_tests(void)
{
    network_is("192.0.2.7", "192.0.2.7", "IPv4: the address");
    network_is("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "IPv6: its /64");
    network_is("2001:DB8:1:2::ffff", "2001:db8:1:2::/64",
               "IPv6 in capitals, another host of the same /64");
    network_is("::ffff:192.0.2.7", "192.0.2.7", "IPv4-mapped: the IPv4 one");
    network_is("::1", "::/64", "::1");
    network_is("unknown", "", "not an address");
    network_is("192.0.2.7 ", "", "trailing space");
    network_is(NULL, "", "no TCPREMOTEIP");
}

static char dir[64];

static void start(struct throttle *t, const struct limits *l, const char *ip)
{
    throttle_init(t, l, dir, ip);
}

static int fail(struct throttle *t, const char *user, time_t now)
{
    enum throttle_answer a = throttle_check(t, user, strlen(user), now);
    if (a == THROTTLE_GO)
        throttle_end(t, user, strlen(user), THROTTLE_REJECTED, now);
    return (int)a;
}

static void counts_tests(void)
{
    struct limits l;
    limits_default(&l);
    l.address_failures = 3;
    l.address_window = 100;
    l.account_failures = 5;
    l.account_window = 200;
    struct throttle t, u, v;
    time_t now = 1000000;

    start(&t, &l, "192.0.2.7");
    is_int(fail(&t, "alice", now), THROTTLE_GO, "1st failure: checked");
    struct stat st;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, THROTTLE_FILE);
    ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
       "the directory is made 0700");
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file 0600");
    off_t size = st.st_size;
    is_int(fail(&t, "alice", now + 1), THROTTLE_GO, "2nd failure");
    ok(t.limit[0] == 0, "  no limit reached yet");
    is_int(fail(&t, "bob", now + 2), THROTTLE_GO, "3rd, another account");
    is_str(t.limit, "address: 3 failures in 100 s", "  reaches the limit");
    is_int(throttle_check(&t, B("carol"), now + 3), THROTTLE_ADDRESS,
           "4th: refused by the address's limit, whatever the account");
    throttle_close(&t);

    start(&u, &l, "192.0.2.8");
    is_int(throttle_check(&u, B("carol"), now + 3), THROTTLE_GO,
           "another address: not refused (a new connection, a new process)");
    start(&v, &l, "2001:db8:1:2::1");
    is_int(fail(&v, "dave", now), THROTTLE_GO, "IPv6: one failure");
    throttle_close(&v);
    start(&v, &l, "2001:db8:1:2::2");
    is_int(fail(&v, "dave", now), THROTTLE_GO, "another host of its /64");
    is_int(fail(&v, "dave", now), THROTTLE_GO, "and again");
    is_str(v.limit, "address 2001:db8:1:2::/64: 3 failures in 100 s",
           "  reaches the limit, which names the /64");
    is_int(throttle_check(&v, B("dave"), now), THROTTLE_ADDRESS,
           "the /64 counts as one address");
    throttle_close(&v);

    start(&t, &l, "192.0.2.7");
    is_int(throttle_check(&t, B("alice"), now + 99), THROTTLE_ADDRESS,
           "refused until the window is over");
    is_int(throttle_check(&t, B("alice"), now + 100), THROTTLE_GO,
           "and checked again once it is");
    throttle_close(&t);

    /* The account: 5 failures from all addresses within 200 s; an address
     * alice logged in from stays welcome. */
    start(&t, &l, "198.51.100.1");
    is_int(throttle_check(&t, B("erin"), now), THROTTLE_GO, "erin logs in");
    throttle_end(&t, B("erin"), THROTTLE_ACCEPTED, now);
    throttle_close(&t);
    char ip[32];
    for (int i = 0; i < 5; i++) {
        snprintf(ip, sizeof ip, "203.0.113.%d", i + 1);
        start(&t, &l, ip);
        fail(&t, "erin", now + 1);
        throttle_close(&t);
    }
    is_str(t.limit, "account: 5 failures in 200 s",
           "5 failures for erin from 5 addresses reach her limit");
    start(&t, &l, "203.0.113.99");
    is_int(throttle_check(&t, B("erin"), now + 2), THROTTLE_ACCOUNT,
           "a 6th address: refused by the account's limit");
    throttle_close(&t);
    start(&t, &l, "198.51.100.1");
    is_int(throttle_check(&t, B("erin"), now + 2), THROTTLE_GO,
           "the address she logged in from: not refused");
    throttle_close(&t);
    start(&t, &l, NULL);
    is_int(throttle_check(&t, B("erin"), now + 2), THROTTLE_ACCOUNT,
           "no address: the account's limit still applies");
    throttle_end(&t, B("erin"), THROTTLE_UNKNOWN, now + 2);
    throttle_close(&t);

    /* A tempfail is no failure. */
    start(&t, &l, "192.0.2.50");
    for (int i = 0; i < 5; i++)
        if (throttle_check(&t, B("frank"), now) == THROTTLE_GO)
            throttle_end(&t, B("frank"), THROTTLE_UNKNOWN, now);
    is_int(throttle_check(&t, B("frank"), now), THROTTLE_GO,
           "5 tempfails count for nothing");
    throttle_close(&t);

    /* However many keys, the file keeps its size and the newest counts. */
    start(&t, &l, "192.0.2.60");
    char user[32];
    for (int i = 0; i < 3 * THROTTLE_SLOTS; i++) {
        snprintf(user, sizeof user, "user%d", i);
        throttle_end(&t, user, strlen(user), THROTTLE_REJECTED, now + 10);
        t.net[0] = 0; /* the accounts only */
    }
    ok(stat(path, &st) == 0 && st.st_size == size,
       "%d accounts later, the file is the size it was (%lld bytes)",
       3 * THROTTLE_SLOTS, (long long)size);
    throttle_close(&t);
    l.account_failures = 1;
    start(&t, &l, NULL);
    snprintf(user, sizeof user, "user%d", 3 * THROTTLE_SLOTS - 1);
    is_int(throttle_check(&t, user, strlen(user), now + 11), THROTTLE_ACCOUNT,
           "the newest account's count is there");
    throttle_close(&t);

    /* A file that is not a counts file: started again, with a warning. */
    FILE *f = fopen(path, "w");
    fputs("not a counts file\n", f);
    fclose(f);
    start(&t, &l, "192.0.2.7");
    is_int(throttle_check(&t, B("alice"), now), THROTTLE_GO,
           "a foreign file: started again, the attempt goes on");
    ok(t.fd >= 0 && !t.off, "  and counts are kept from then on");
    ok(stat(path, &st) == 0 && st.st_size == size, "  at its size");
    throttle_close(&t);

    /* A state directory that cannot be made: nothing counted, attempts go
     * on. */
    throttle_init(&t, &l, "/proc/self/no/such/dir", "192.0.2.7");
    is_int(throttle_check(&t, B("alice"), now), THROTTLE_GO,
           "no state directory: the attempt goes on");
    ok(t.off, "  and counting is off for the connection");
    throttle_end(&t, B("alice"), THROTTLE_REJECTED, now);
    throttle_close(&t);
}

int main(void)
{
    limits_tests();
    network_tests();
    snprintf(dir, sizeof dir, "/tmp/throttle.%ld", (long)getpid());
    counts_tests();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# unable to remove %s\n", dir);
    return done_testing();
}
