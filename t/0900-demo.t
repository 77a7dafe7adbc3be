#!/bin/sh
# The README's first command: tools/demo, once through. It starts every
# service on 127.0.0.1 (ports 2525, 5870, 4650, 1100, 9950), exercises
# each with swaks and curl, shows the messages with their TLS Received
# header, and stops everything it started. Run with the plain build only:
# the demo uses build/, whatever BUILD says.
. "$(dirname "$0")/lib.sh"

if [ "$BUILD" != "$top/build" ] || [ -n "${VALGRIND:-}" ] ||
    [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP the demo runs as root on the plain build"
    exit 0
fi
out=$TMP/demo.out
"$top/tools/demo" --once >"$out" 2>&1
is "$?" 0 "tools/demo --once exits 0"
for want in "2525, STARTTLS" "5870, STARTTLS and AUTH" \
    "4650, implicit TLS and AUTH" "1100, POP3 with STLS" \
    "9950, POP3 over implicit TLS"; do
    grep -q "demo: $want" "$out"
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
grep -q "demo: stopped" "$out"
ok $? "the demo stopped what it started"
left=$(pgrep -fc "^tcpserver .*127.0.0.1 (2525|5870|4650|1100|9950) ")
is "$left" 0 "no demo service left running"
[ "$tap_failed" = 0 ] || sed 's/^/# /' "$out"
done_testing
