#!/bin/sh
# The README's first command: tools/demo. It runs here on ports of its own
# (DEMO_PORT_BASE) in a directory of its own (DEMO_DIR), so the suite
# passes beside a demo running on the usual ports: in the foreground until
# `tools/demo stop`, checked with `tools/demo status`, and a second one
# with --once beside it, on ::1 (DEMO_HOST). Each starts every service on
# its loopback address, exercises
# it with swaks and curl, and shows the messages with their TLS Received
# header. Run with the plain build only: the demo uses build/, whatever
# BUILD says.
. "$(dirname "$0")/lib.sh"

if [ "$BUILD" != "$top/build" ] || [ -n "${VALGRIND:-}" ] ||
    [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP the demo runs as root on the plain build"
    exit 0
fi

# Two bases, five free ports each, away from the kernel's ephemeral range
# (so no outgoing connection takes one meanwhile).
bases=$(python3 - <<'PY'
import random, socket
found = []
for _ in range(200):
    base = random.randrange(20000, 30000, 5)
    socks = []
    try:
        for port in range(base, base + 5):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    if base not in found:
        found.append(base)
    if len(found) == 2:
        break
print(*found)
PY
)
# shellcheck disable=SC2086 # two numbers
set -- $bases
a=$1 b=$2
chmod 755 "$TMP" # the demo user reaches its Maildir below it
A=$TMP/a
B=$TMP/b
out=$TMP/demo.out

# ports BASE: the five ports' tcpservers still running
ports() {
    pgrep -fc "^tcpserver .*(127\.0\.0\.1|::1) ($1|$(($1 + 1))|$(($1 + 2))|$(($1 + 3))|$(($1 + 4))) "
}

# The demo in the foreground, until "demo: running" (or its end).
DEMO_DIR=$A DEMO_PORT_BASE=$a spawn "$top/tools/demo" >"$out" 2>&1
demo=${tap_pids##* }
for _ in $(seq 1200); do
    grep -q '^demo: running' "$out" && break
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.25
done
grep -q '^demo: running' "$out"
ok $? "tools/demo runs in the foreground"
for want in "$a, STARTTLS" "$((a + 1)), STARTTLS and AUTH" \
    "$((a + 2)), implicit TLS and AUTH" "$((a + 3)), POP3 with STLS" \
    "$((a + 4)), POP3 over implicit TLS"; do
    grep -q "^demo: $want" "$out"
    ok $? "it exercised $want"
done
grep -q "FAILED" "$out"
is "$?" 1 "no step failed"
n=$(grep -c '^    Received: (fixsmtpio TLSv1\.[23] cipher ' "$out")
is "$n" 2 "the STARTTLS message carries its TLS Received header (shown twice)"
n=$(grep -c '^    Received: (authup user demo, TLSv1\.[23] cipher ' "$out")
is "$n" 2 "both submissions carry authup's TLS Received header"
grep -q "^    Hello through ucspitlsd and fixsmtpio." "$out"
ok $? "POP3 over TLS served the message"
[ "$tap_failed" = 0 ] || sed 's/^/# /' "$out"

status=$(DEMO_DIR=$A "$top/tools/demo" status)
is "$?" 0 "tools/demo status exits 0 while everything runs"
n=$(printf '%s\n' "$status" | grep -c "running (tcpserver pid [0-9]*), 0/40 connections, log $A/log/")
is "$n" 5 "status lists five services running, each with its log"
printf '%s\n' "$status" | grep -q "^  $((a + 3)) *pop3 "
ok $? "status names each port"
[ "$n" = 5 ] || printf '%s\n' "$status" | sed 's/^/# /'

# POP3 on the STLS port as contrib/ runs it: no password before STLS.
reply=$(python3 - "$((a + 3))" <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
try:
    p.user("demo")
    print("accepted")
except poplib.error_proto as e:
    print(e.args[0].decode())
p.quit()
PY
)
case $reply in
-ERR*) ok 0 "POP3 on the STLS port refuses USER before STLS" ;;
*) ok 1 "POP3 on the STLS port refuses USER before STLS: $reply" ;;
esac
is "$(stat -c %a "$A/tls/ca.pem")" 644 "the demo CA is readable by everyone"
is "$(stat -c %a "$A/tls/ca.key")" 600 "the CA key is not"
is "$(stat -c %a "$A/tls/server.key")" 600 "nor the server key"

# A second demo beside the first, once through, on other ports, over IPv6.
DEMO_DIR=$B DEMO_PORT_BASE=$b DEMO_HOST=::1 "$top/tools/demo" --once \
    >"$TMP/once.out" 2>&1
is "$?" 0 "a second demo runs beside it on ::1 (tools/demo --once exits 0)"
grep -q "^demo: listening on ::1 " "$TMP/once.out"
ok $? "and says it listens on ::1"
n=$(cat "$B"/log/*.log | grep -c "^ucspitlsd: info: [0-9a-f]*: summary: ip=::1 ")
is "$n" 5 "its five TLS sessions came from ::1"
grep -q "demo: stopped" "$TMP/once.out"
ok $? "and stops what it started"
is "$(ports "$b")" 0 "no service of the second demo left running"
[ "$tap_failed" = 0 ] || sed 's/^/# /' "$TMP/once.out"
DEMO_DIR=$A "$top/tools/demo" status >/dev/null
is "$?" 0 "the first demo still runs"

DEMO_DIR=$A "$top/tools/demo" stop >/dev/null
is "$(ports "$a")" 0 "tools/demo stop stops every service"
for _ in $(seq 100); do
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$demo" 2>/dev/null
is "$?" 1 "and the demo in the foreground"
DEMO_DIR=$A "$top/tools/demo" status >/dev/null
is "$?" 3 "tools/demo status exits 3 when no demo runs"

DEMO_DIR=/ DEMO_PORT_BASE=$a "$top/tools/demo" --once >"$TMP/bad.out" 2>&1
is "$?" 100 "DEMO_DIR naming a directory the demo did not make: exit 100"
grep -q "^demo: fatal: / is not a demo directory" "$TMP/bad.out"
ok $? "with a line that says so"
DEMO_PORT_BASE=80x "$top/tools/demo" --once >"$TMP/bad.out" 2>&1
is "$?" 100 "DEMO_PORT_BASE not a port: exit 100"
DEMO_HOST=0 "$top/tools/demo" --once >"$TMP/bad.out" 2>&1
is "$?" 100 "DEMO_HOST not a loopback address: exit 100"
done_testing
