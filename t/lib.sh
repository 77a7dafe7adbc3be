# Sourced by shell tests: TAP output, the build under test, and cleanup of
# every process a test starts (by PID, at exit).
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
PATH=$BUILD/bin:$BUILD/t/bin:$top/t/helpers:$PATH
export BUILD PATH

tap_n=0
tap_failed=0
tap_pids=
TMP=$(mktemp -d "${TMPDIR:-/tmp}/t.XXXXXX")

cleanup() {
    for pid in $tap_pids; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    for pid in $tap_pids; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Starts a command in the background in its own process group; its PID
# is remembered for cleanup.
spawn() {
    setsid "$@" &
    tap_pids="$tap_pids $!"
}

ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
}

is() {
    if [ "$1" = "$2" ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        printf '# got:  %s\n# want: %s\n' "$1" "$2"
    fi
}

diag() {
    printf '# %s\n' "$*"
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" = 0 ]
}
