#!/bin/sh
# Regression: a client that pipelines more requests than the queue holds,
# all sent at once. Once the queue filled, the replies that emptied it were
# taken, but the requests waiting in the full input buffer were looked at
# again only if some reply had gone out to the client meanwhile; with rules
# that remove the replies, the session hung. Here 20,000 RCPTs must all get
# through, with and without such a rule.
. "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/control"
echo mx.example >"$TMP/control/me"
{
    printf 'EHLO c\r\nMAIL FROM:<a@b>\r\n'
    i=0
    while [ $i -lt 20000 ]; do
        printf 'RCPT TO:<r%d@example.org>\r\n' $i
        i=$((i + 1))
    done
    printf 'QUIT\r\n'
} >"$TMP/in"
for how in file pipe hidden; do
    rm -f "$TMP/control/fixsmtpio"
    lines=20004
    if [ $how = hidden ]; then
        echo ':rcpt::250*::' >"$TMP/control/fixsmtpio"
        lines=4
    fi
    if [ $how = file ]; then
        CONTROLDIR=$TMP/control timeout 20 fixsmtpio "$BUILD/bench/fastsmtpd" \
            <"$TMP/in" >"$TMP/out"
    else
        # A pipe, not a file, on fixsmtpio's stdin is the point here.
        # shellcheck disable=SC2002
        cat "$TMP/in" | CONTROLDIR=$TMP/control timeout 20 fixsmtpio \
            "$BUILD/bench/fastsmtpd" >"$TMP/out"
    fi
    ok $? "20,000 pipelined RCPTs ($how): fixsmtpio finishes"
    is "$(wc -l <"$TMP/out" | tr -d ' ')" $lines "($how): every reply"
done
done_testing
