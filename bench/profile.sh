#!/usr/bin/env bash
# profile.sh - where tlsview spends its time, in each mode.
#
# Usage:  profile.sh [--perf] [--packets P] [TLSVIEW [OUTDIR]]
#
#   TLSVIEW      the program (default build/tlsview)
#   OUTDIR       what make-capture.sh wrote (default bench/out)
#   --packets P  packets taken from the start of each configuration's
#                capture for the small profiling capture (default 1400,
#                about 100 sessions each)
#   --perf       also sample the whole all.pcap with perf (flat profile by
#                function and by library)
#
# Runs tlsview under callgrind on OUTDIR/small.pcap with no secrets, with the
# key log and with the server key, keeps OUTDIR/callgrind.MODE.out (open them
# with callgrind_annotate or kcachegrind) and prints the heaviest functions:
# inclusive (with what they call) and self.  Needs valgrind (and perf for
# --perf; Debian: linux-perf).

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PACKETS=1400
PERF=0
ARGS=()
while [ $# -gt 0 ]; do
    case $1 in
        --perf) PERF=1 ;;
        --packets) PACKETS=$2; shift ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done
TLSVIEW=${ARGS[0]:-$ROOT/build/tlsview}
OUT=${ARGS[1]:-$HERE/out}
command -v valgrind >/dev/null || { echo "profile.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -x "$TLSVIEW" ] || { echo "profile.sh: no program $TLSVIEW (build it first)" >&2; exit 1; }
[ -d "$OUT/parts" ] || { echo "profile.sh: no $OUT/parts (run bench/make-capture.sh first)" >&2; exit 1; }

python3 "$HERE/scale.py" -n 1 --head "$PACKETS" -o "$OUT/small.pcap" "$OUT"/parts/*.pcap >/dev/null
echo "small.pcap: $("$TLSVIEW" -r "$OUT/small.pcap" -o json | tail -n 1 |
    sed -n 's/.*"tls_connections":\([0-9]*\).*/\1/p') TLS connections"

# Paths made short, each function once (callgrind_annotate may name a file
# both ways).
shorten() {
    sed -e 's#  [^ ]*/\.\./#  #' -e 's#/usr/lib/x86_64-linux-gnu/##g' -e 's# *\[[^]]*tlsview\]##' -e 's# *$##' |
        awk '!seen[$3]++'
}

# The secrets of a mode, into the array `extra`.
mode_args() {
    case $1 in
        none) extra=() ;;
        keylog) extra=(-l "$OUT/all.keylog") ;;
        key) extra=(-k "$OUT/server.key") ;;
    esac
}

for mode in none keylog key; do
    mode_args "$mode"
    cg=$OUT/callgrind.$mode.out
    # One thread: callgrind runs threads one at a time, and every worker
    # reads the whole file, so more threads would only blur the picture.
    env -u SSLKEYLOGFILE valgrind --tool=callgrind --callgrind-out-file="$cg" \
        "$TLSVIEW" -r "$OUT/small.pcap" -o json --threads 1 "${extra[@]}" > /dev/null 2> "$OUT/callgrind.$mode.log"
    echo
    echo "=== $mode: inclusive (instructions, share of the run)"
    callgrind_annotate --inclusive=yes "$cg" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,400p' |
        grep -v -E '\(below main\)|libc-start|libc_start_call|ld-linux|cli/main.c:main' | shorten | sed -n '1,30p'
    echo "=== $mode: self"
    callgrind_annotate "$cg" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,40p' | shorten | sed -n '1,15p'
done

if [ $PERF -eq 1 ]; then
    command -v perf >/dev/null || { echo "profile.sh: --perf needs perf (apt-get install linux-perf)" >&2; exit 1; }
    for mode in none keylog key; do
        mode_args "$mode"
        data=$OUT/perf.$mode.data
        env -u SSLKEYLOGFILE perf record -q -e cpu-clock -F 999 -o "$data" -- \
            "$TLSVIEW" -r "$OUT/all.pcap" -o json "${extra[@]}" > /dev/null 2>&1
        echo
        echo "=== perf, all.pcap, $mode: by library"
        perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null | grep '%' | sed -n '1,6p'
        echo "=== perf, all.pcap, $mode: by function"
        perf report -i "$data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep '%' | sed -n '1,15p'
    done
fi
