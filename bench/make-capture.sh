#!/usr/bin/env bash
# make-capture.sh - make the benchmark capture: real, unique TLS sessions.
#
# For each configuration below, an OpenSSL s_server (-www, -keylogfile) and
# `openssl s_time -new` run against each other on loopback for a few
# seconds while tcpdump captures the port.  Every connection is a new full
# handshake (no resumption) followed by one HTTP request and the server's
# status page.  The parts are then merged into one capture, and scale.py
# clones it into a larger one with fresh addresses.
#
# Usage:  make-capture.sh [options] [OUTDIR]      (OUTDIR: default bench/out)
#
#   -t, --seconds N   seconds of s_time per configuration (default 8; one that
#                     makes too few sessions runs once more, up to 4x longer)
#   -s, --sessions N  keep the first N/5 sessions of each configuration, N in
#                     all (default 12000; 0 keeps every session made)
#   -x, --scale N     also write all-xN.pcap, N clones of every flow
#                     (default 10; 0 or 1: none)
#   --only NAME,...   only these configurations (see --list)
#   --list            list the configurations and exit
#   --port N          first TCP port used (default 44700; one per configuration)
#   --self-signed     a self-signed server certificate instead of one issued
#                     by a throwaway CA (the server sends its certificate alone)
#
# Writes into OUTDIR:
#   server.key server.crt   throwaway RSA-2048 key and its certificate
#   ca.crt                  the throwaway CA that issued it (unless --self-signed)
#   parts/NAME.pcap         one capture per configuration
#   all.pcap  all.keylog    the merged capture and the key log of every session
#   all-xN.pcap             the scaled capture (same key log)
#   manifest.tsv            per configuration: sessions, RSA decryptions, bytes
#
# Needs root (or CAP_NET_RAW) for tcpdump.  Only 127.0.0.1 is used.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=8
SESSIONS=12000
SCALE=10
PORT0=44700
ONLY=""
OUT=""
SELF_SIGNED=0

# name | key exchange | s_time arguments (the server accepts everything)
CONFIGS=(
    "tls12-rsa-gcm|rsa|-tls1_2 -cipher AES128-GCM-SHA256"
    "tls12-rsa-cbc|rsa|-tls1_2 -cipher AES128-SHA256"
    "tls12-ecdhe|ecdhe|-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
    "tls13-aesgcm|tls13|-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
    "tls13-chacha|tls13|-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
)

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
    case $1 in
        -t|--seconds) SECONDS_EACH=$2; shift ;;
        -s|--sessions) SESSIONS=$2; shift ;;
        -x|--scale) SCALE=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --port) PORT0=$2; shift ;;
        --self-signed) SELF_SIGNED=1 ;;
        --list) for c in "${CONFIGS[@]}"; do echo "${c%%|*}"; done; exit 0 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "make-capture.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) OUT=$1 ;;
    esac
    shift
done
case $SECONDS_EACH in ''|*[!0-9]*) echo "make-capture.sh: --seconds wants a number" >&2; exit 2 ;; esac
case $SCALE in ''|*[!0-9]*) echo "make-capture.sh: --scale wants a number" >&2; exit 2 ;; esac
case $SESSIONS in ''|*[!0-9]*) echo "make-capture.sh: --sessions wants a number" >&2; exit 2 ;; esac
OUT=${OUT:-$HERE/out}

missing=()
for t in openssl tcpdump python3 ss timeout; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "make-capture.sh: missing ${missing[*]} (apt-get install openssl tcpdump python3 iproute2 coreutils)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "make-capture.sh: note: not root; tcpdump on lo needs CAP_NET_RAW" >&2
fi

mkdir -p "$OUT/parts"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d -t tlsview-bench.XXXXXX)
OURS=()
cleanup() {
    local p
    for p in "${OURS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${OURS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "make-capture.sh: $*" >&2; exit 1; }

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Waits until a process listens on PORT (or gives up after ~5 s).
wait_listen() {
    local i
    for i in $(seq 50); do
        port_busy "$1" && return 0
        sleep 0.1
    done
    return 1
}

# Waits until tcpdump says it is listening.
wait_tcpdump() {
    local i
    for i in $(seq 50); do
        grep -q "listening on" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- keys

# Like most servers, the benchmark's sends a certificate issued by a CA,
# not the CA's own (--self-signed: the other way).
rm -f "$OUT/ca.crt"
if [ $SELF_SIGNED -eq 1 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
        -keyout "$OUT/server.key" -out "$OUT/server.crt" \
        -subj "/CN=bench.tlsview.test/O=tlsview benchmark" >/dev/null 2>&1 ||
        die "openssl could not make a key"
elif ! { openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
             -keyout "$WORK/ca.key" -out "$OUT/ca.crt" \
             -subj "/CN=tlsview benchmark CA/O=tlsview benchmark" &&
         openssl req -newkey rsa:2048 -nodes -keyout "$OUT/server.key" -out "$WORK/server.csr" \
             -subj "/CN=bench.tlsview.test/O=tlsview benchmark" &&
         openssl x509 -req -in "$WORK/server.csr" -CA "$OUT/ca.crt" -CAkey "$WORK/ca.key" \
             -CAcreateserial -CAserial "$WORK/ca.srl" -days 30 -sha256 -out "$OUT/server.crt"
       } >/dev/null 2>&1; then
    die "openssl could not make the keys"
fi

# ---------------------------------------------------------------- capture

: > "$OUT/all.keylog"
printf 'name\tkx\tport\tsessions\ts_time_made\trsa_decryptions\tpackets\tbytes\tkernel_drops\n' \
    > "$WORK/manifest.tsv"
selected=0
for conf in "${CONFIGS[@]}"; do
    name=${conf%%|*}
    if [ -z "$ONLY" ] || [[ ",$ONLY," == *",$name,"* ]]; then selected=$((selected + 1)); fi
done
[ $selected -gt 0 ] || die "no configuration selected (see --list)"
per_conf=0
[ "$SESSIONS" -gt 0 ] && per_conf=$(( (SESSIONS + selected - 1) / selected ))
parts=()
i=0
for conf in "${CONFIGS[@]}"; do
    IFS='|' read -r name kx args <<< "$conf"
    port=$((PORT0 + i))
    i=$((i + 1))
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
    port_busy "$port" && die "port $port is in use; pick others with --port"

    pcap=$OUT/parts/$name.pcap
    keylog=$WORK/$name.keylog
    secs=$SECONDS_EACH
    # A slower machine makes fewer sessions in the time: then once more,
    # for as much longer as the first run says it needs (at most 4x).
    for attempt in 1 2; do
    : > "$keylog"
    rm -f "$pcap"

    tcpdump -i lo -n -s 0 -B 65536 -U -w "$pcap" "tcp port $port" 2> "$WORK/tcpdump.err" &
    tcpdump_pid=$!
    OURS+=("$tcpdump_pid")
    wait_tcpdump "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"

    openssl s_server -accept "127.0.0.1:$port" -cert "$OUT/server.crt" -key "$OUT/server.key" \
        -www -quiet -keylogfile "$keylog" < /dev/null > "$WORK/server.out" 2>&1 &
    server_pid=$!
    OURS+=("$server_pid")
    wait_listen "$port" || die "s_server did not start on port $port: $(cat "$WORK/server.out")"

    printf '%-14s %2ss of s_time -new ... ' "$name" "$secs"
    # shellcheck disable=SC2086  # $args is a list of options
    timeout $((secs + 30)) openssl s_time -connect "127.0.0.1:$port" -new -time "$secs" \
        -www / $args < /dev/null > "$WORK/s_time.out" 2>&1 || true
    conns=$(sed -n 's/^\([0-9][0-9]*\) connections in [0-9]* real seconds.*/\1/p' "$WORK/s_time.out" | tail -n 1)
    [ -n "$conns" ] || die "s_time failed: $(tail -n 5 "$WORK/s_time.out")"

    sleep 0.3                      # the last FIN/ACKs
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    kill -INT "$tcpdump_pid" 2>/dev/null || true
    wait "$tcpdump_pid" 2>/dev/null || true
    OURS=()
    drops=$(sed -n 's/^\([0-9][0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$WORK/tcpdump.err")
    drops=${drops:-?}
    [ "$drops" = 0 ] || echo "warning: tcpdump reports $drops packets dropped by the kernel" >&2

    # One SYN (without ACK) opens each session: no resumption, no retries.
    syn='tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'
    sessions=$(tcpdump -r "$pcap" -n "$syn" 2>/dev/null | wc -l)
    if [ "$attempt" = 1 ] && [ "$per_conf" -gt 0 ] && [ "$sessions" -gt 0 ] && [ "$sessions" -lt "$per_conf" ]; then
        longer=$(( (secs * per_conf * 12 / 10 + sessions - 1) / sessions ))
        [ "$longer" -le $((4 * SECONDS_EACH)) ] || longer=$((4 * SECONDS_EACH))
        printf '%6s sessions: again for %ss\n' "$sessions" "$longer"
        secs=$longer
        continue
    fi
    break
    done
    if [ "$per_conf" -gt 0 ] && [ "$sessions" -gt "$per_conf" ]; then
        # The first sessions only, and the key log lines of those.
        python3 "$HERE/scale.py" -n 1 --connections "$per_conf" --randoms "$WORK/randoms" \
            -o "$WORK/trimmed.pcap" "$pcap" >/dev/null
        mv "$WORK/trimmed.pcap" "$pcap"
        awk 'NR == FNR { keep[tolower($1)]; next } tolower($2) in keep' "$WORK/randoms" "$keylog" \
            > "$WORK/trimmed.keylog"
        mv "$WORK/trimmed.keylog" "$keylog"
        sessions=$(tcpdump -r "$pcap" -n "$syn" 2>/dev/null | wc -l)
    elif [ "$per_conf" -gt 0 ] && [ "$sessions" -lt "$per_conf" ]; then
        echo "warning: $name: only $sessions sessions, not $per_conf: give s_time more time (-t)" >&2
    fi
    packets=$(tcpdump -r "$pcap" -n 2>/dev/null | wc -l)
    bytes=$(stat -c %s "$pcap")
    rsa=0
    [ "$kx" = rsa ] && rsa=$sessions
    cat "$keylog" >> "$OUT/all.keylog"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$kx" "$port" "$sessions" "$conns" "$rsa" \
        "$packets" "$bytes" "$drops" >> "$WORK/manifest.tsv"
    printf '%6s sessions, %5.1f MB\n' "$sessions" "$(echo "$bytes" | awk '{print $1/1e6}')"
    parts+=("$pcap")
done

# ---------------------------------------------------------------- merge, scale

python3 "$HERE/scale.py" -n 1 -o "$OUT/all.pcap" "${parts[@]}" >/dev/null
size=$(stat -c %s "$OUT/all.pcap")
row=$(awk -F'\t' -v b="$size" 'NR > 1 { s += $4; c += $5; r += $6; p += $7; d += $9 }
    END { printf "all\tmixed\t-\t%d\t%d\t%d\t%d\t%d\t%d", s, c, r, p, b, d }' "$WORK/manifest.tsv")
printf '%s\n' "$row" >> "$WORK/manifest.tsv"
total=$(awk -F'\t' '$1 == "all" { print $4 }' "$WORK/manifest.tsv")
printf 'all.pcap       %6s sessions, %5.1f MB, key log %s lines\n' "$total" \
    "$(echo "$size" | awk '{print $1/1e6}')" "$(wc -l < "$OUT/all.keylog")"

rm -f "$OUT"/all-x*.pcap
if [ "$SCALE" -gt 1 ]; then
    python3 "$HERE/scale.py" -n "$SCALE" -o "$OUT/all-x$SCALE.pcap" "$OUT/all.pcap" >/dev/null
    size=$(stat -c %s "$OUT/all-x$SCALE.pcap")
    row=$(awk -F'\t' -v n="$SCALE" -v b="$size" '$1 == "all" {
        printf "all-x%d\tmixed\t-\t%d\t-\t%d\t%d\t%d\t-", n, $4 * n, $6 * n, $7 * n, b }' "$WORK/manifest.tsv")
    printf '%s\n' "$row" >> "$WORK/manifest.tsv"
    printf 'all-x%-9s %6s sessions, %5.1f MB\n' "$SCALE.pcap" "$((total * SCALE))" \
        "$(echo "$size" | awk '{print $1/1e6}')"
fi
mv "$WORK/manifest.tsv" "$OUT/manifest.tsv"
