#!/bin/sh
# checknotroot: refuses uid 0 and euid 0, runs prog for any other user.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" = 0 ]; then
    out=$(checknotroot echo ran 2>&1)
    is "$?" 1 "as root: exit 1"
    case $out in
    "checknotroot: fatal: refusing to run echo as root"*) ok 0 "and says why" ;;
    *) ok 1 "and says why (got: $out)" ;;
    esac
    # On a connection, the session ID the chain hands down is on the line.
    out=$(SESSIONID=lb-7.x checknotroot echo ran 2>&1)
    case $out in
    "checknotroot: fatal: lb-7.x: refusing to run echo as root"*)
        ok 0 "with SESSIONID, the line carries it" ;;
    *) ok 1 "with SESSIONID, the line carries it (got: $out)" ;;
    esac
    # $(id -u) is for the inner sh to expand, as the user.
    # shellcheck disable=SC2016
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BUILD/bin/checknotroot" sh -c 'echo "ran as $(id -u)"' 2>&1)
    is "$?" 0 "as uid 65534: exit 0"
    is "$out" "ran as 65534" "and prog ran as that user"
    out=$(setpriv --euid=0 --ruid=65534 --regid=65534 --clear-groups \
        "$BUILD/bin/checknotroot" echo ran 2>&1)
    is "$?" 1 "real uid 65534 but effective uid 0: refused"
else
    out=$(checknotroot sh -c 'echo ran' 2>&1)
    is "$?" 0 "not root: prog runs"
    is "$out" ran "with its output"
fi
out=$(checknotroot 2>&1)
is "$?" 100 "no prog: usage, exit 100"
case $out in
"checknotroot: usage: checknotroot prog"*) ok 0 "usage text" ;;
*) ok 1 "usage text (got: $out)" ;;
esac
if [ "$(id -u)" != 0 ]; then
    checknotroot /nonexistent/prog 2>/dev/null
    is "$?" 111 "prog that cannot run: 111"
else
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BUILD/bin/checknotroot" /nonexistent/prog 2>/dev/null
    is "$?" 111 "prog that cannot run: 111"
fi
done_testing
