#!/usr/bin/env bash
# make-samples.sh - regenerate the sample captures in this directory.
#
# Every sample is a real conversation between real TLS peers (OpenSSL's
# s_client/s_server, optionally GnuTLS and Python's ssl module) on the
# loopback interface, captured with tcpdump.  The keys and
# certificates are throwaway ones made here; nothing leaves 127.0.0.1/::1.
#
# Usage:  make-samples.sh [--check] [--keep-keys] [SAMPLE...]
#
#   (no SAMPLE)   new keys, then every sample
#   SAMPLE...     only these samples; the keys in keys/ are kept
#   --keep-keys   keep keys/ even when remaking every sample
#   --check       afterwards, summarise each capture with tshark
#   --check-only  only summarise the captures already here
#   --list        list the sample names and exit
#
# Needs root (or CAP_NET_RAW) to capture.  Runs from any directory; writes
# only into the directory this script lives in and a temporary directory.

set -euo pipefail

cd "$(dirname "$0")"
SAMPLES=$PWD
KEYS=$SAMPLES/keys
PASSWORD=tlsview                   # password of the encrypted server keys
HOST=tlsview.test                  # server name in the certificate and SNI
PORT=${SAMPLES_PORT:-44400}        # ports above this one are used

ALL_SAMPLES=(
    tls12-rsa tls12-rsa-cbc tls12-rsa-legacy tls12-ecdhe
    tls13 tls13-hrr
    tls12-resume-id tls12-resume-ticket tls13-resume tls13-0rtt
    mtls12 mtls13 alert-failure multi ipv6
    tls13-keyupdate tls12-renego tls10 tls11
    fragmented gnutls ecdsa
)

check=0 check_only=0 keep_keys=0 wanted=()
for arg in "$@"; do
    case $arg in
        --check) check=1 ;;
        --check-only) check=1 check_only=1 ;;
        --keep-keys) keep_keys=1 ;;
        --list) printf '%s\n' "${ALL_SAMPLES[@]}"; exit 0 ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) wanted+=("$arg") ;;
    esac
done
if [ ${#wanted[@]} -eq 0 ]; then
    wanted=("${ALL_SAMPLES[@]}")
else
    keep_keys=1
    for w in "${wanted[@]}"; do
        case " ${ALL_SAMPLES[*]} " in
            *" $w "*) ;;
            *) echo "no sample called '$w' (try --list)" >&2; exit 2 ;;
        esac
    done
fi

# ---------------------------------------------------------------- tools

missing=()
need() {   # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)")
}
need openssl openssl
need tcpdump tcpdump
need editcap wireshark-common
need ss iproute2
need timeout coreutils
if [ $check -eq 1 ]; then
    need tshark tshark
    need capinfos wireshark-common
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "make-samples.sh: missing tools:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
fi
have() { command -v "$1" >/dev/null 2>&1; }
if [ "$(id -u)" -ne 0 ]; then
    echo "note: not root; capturing on lo needs CAP_NET_RAW" >&2
fi

# ---------------------------------------------------------------- state

WORK=$(mktemp -d -t samples.XXXXXX)
OURS=()        # background processes this script started
cleanup() {
    local p
    for p in "${OURS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    if [ -n "${SAMPLES_KEEP_WORK:-}" ]; then
        echo "work files kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
die() { printf 'make-samples.sh: %s\n' "$*" >&2; exit 1; }

# The page every -WWW server hands out, and the request for it.
mkdir -p "$WORK/www"
printf 'hello from the tlsview sample server\n' > "$WORK/www/hello.txt"
REQUEST=$'GET /hello.txt HTTP/1.0\r\nHost: tlsview.test\r\n\r\n'
REPLY='hello from the tlsview sample server'
mkfifo "$WORK/quiet"

# An OpenSSL configuration that turns the extended master secret off.
NO_EMS=$WORK/no-ems.cnf
cat > "$NO_EMS" <<'EOF'
openssl_conf = conf
[conf]
ssl_conf = ssl
[ssl]
system_default = tls
[tls]
Options = -ExtendedMasterSecret
EOF

# ---------------------------------------------------------------- keys

make_keys() {
    local t=$WORK/pki
    mkdir -p "$t" "$KEYS"
    rm -f "$KEYS"/*
    say "keys: CA, server and client certificates (RSA 2048)"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$t/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$t/ca.key" -sha256 -days 3650 \
        -subj "/O=tlsview samples/CN=tlsview sample CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$KEYS/ca.crt"

    cat > "$t/server.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$HOST,IP:127.0.0.1,IP:::1
EOF
    cat > "$t/client.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF
    local who
    for who in server client; do
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$KEYS/$who.key" 2>/dev/null
        if [ $who = server ]; then
            subj="/O=tlsview samples/CN=$HOST"
        else
            subj="/O=tlsview samples/CN=tlsview sample client"
        fi
        openssl req -new -key "$KEYS/$who.key" -subj "$subj" -out "$t/$who.csr"
        openssl x509 -req -in "$t/$who.csr" -CA "$KEYS/ca.crt" -CAkey "$t/ca.key" \
            -CAcreateserial -CAserial "$t/ca.srl" -sha256 -days 3650 \
            -extfile "$t/$who.ext" -out "$KEYS/$who.crt" 2>/dev/null
    done

    # The same server key in the other shapes a user may hand to tlsview.
    openssl rsa -in "$KEYS/server.key" -traditional \
        -out "$KEYS/server-pkcs1.key" 2>/dev/null
    openssl rsa -in "$KEYS/server.key" -traditional -outform DER \
        -out "$KEYS/server-key.der" 2>/dev/null
    openssl pkcs8 -topk8 -in "$KEYS/server.key" -passout "pass:$PASSWORD" \
        -out "$KEYS/server-encrypted.key"
    openssl pkcs8 -topk8 -in "$KEYS/server.key" -passout "pass:$PASSWORD" \
        -v2 des3 -v2prf hmacWithSHA1 -out "$KEYS/server-encrypted-des3.key"
    openssl rsa -in "$KEYS/server.key" -traditional -aes256 -passout "pass:$PASSWORD" \
        -out "$KEYS/server-encrypted-pkcs1.key" 2>/dev/null
    # Too many PBKDF2 iterations to try (tlsview refuses it; OpenSSL takes ~5 s).
    openssl pkcs8 -topk8 -in "$KEYS/server.key" -passout "pass:$PASSWORD" \
        -v2 aes-256-cbc -iter 20000000 -out "$KEYS/server-costly.key"
    make_ecdsa_key
    chmod 644 "$KEYS"/*
}

# The ECDSA server of the ecdsa sample: a P-256 key in a self-signed
# certificate (the CA's key is not kept, so a sample remade on its own
# could not have it signed by the CA); its client trusts it directly.
make_ecdsa_key() {
    say "keys: ECDSA server certificate (P-256, self-signed)"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$KEYS/server-ecdsa.key" 2>/dev/null
    openssl req -x509 -new -key "$KEYS/server-ecdsa.key" -sha256 -days 3650 \
        -subj "/O=tlsview samples/CN=$HOST" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "keyUsage=critical,digitalSignature" \
        -addext "extendedKeyUsage=serverAuth" \
        -addext "subjectAltName=DNS:$HOST,IP:127.0.0.1,IP:::1" \
        -out "$KEYS/server-ecdsa.crt"
    chmod 644 "$KEYS/server-ecdsa.key" "$KEYS/server-ecdsa.crt"
}

# ---------------------------------------------------------------- helpers

port_free() { [ -z "$(ss -Htan "sport = :$1" 2>/dev/null)" ]; }

next_port() {   # sets P to a free loopback port
    PORT=$((PORT + 1))
    while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
    P=$PORT
}

wait_for() {    # wait_for SECONDS COMMAND... : poll until COMMAND succeeds
    local n=$(( $1 * 20 )); shift
    while ! "$@"; do
        n=$((n - 1))
        [ $n -gt 0 ] || return 1
        sleep 0.05
    done
}

listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# capture_start NAME KIND : KIND is en10mb (tcpdump on lo), en10mb-ns (the
# same with nanosecond time stamps), sll2 or sll (tcpdump on "any"), or
# pcapng (tcpdump on lo, then converted by editcap; dumpcap would record
# this machine's CPU and kernel in the file).  Filters on port $P.  The
# capture buffer is big (32 MiB): in immediate mode every slot of it holds
# a whole snapshot length, and a small buffer drops packets when five
# connections burst.
capture_start() {
    local name=$1 kind=$2 opts=()
    CAP_KIND=$kind
    CAP_LOG=$WORK/$name.capture.log
    CAP_FILE=$WORK/$name.pcap
    : >"$CAP_LOG"
    case $kind in
        en10mb|pcapng) opts=(-i lo) ;;
        en10mb-ns) opts=(-i lo --time-stamp-precision nano) ;;
        sll2) opts=(-i any -y LINUX_SLL2) ;;
        sll)  opts=(-i any -y LINUX_SLL) ;;
        *) die "unknown capture kind $kind" ;;
    esac
    tcpdump "${opts[@]}" -s 0 -B 32768 -U --immediate-mode -w "$CAP_FILE" \
        "tcp port $P" >"$CAP_LOG" 2>&1 &
    CAP_PID=$!
    OURS+=("$CAP_PID")
    wait_for 10 grep -qE 'listening on' "$CAP_LOG" ||
        { cat "$CAP_LOG" >&2; die "$name: capture did not start"; }
    sleep 0.2
}

# capture_stop NAME [COMMENT] : stops the capture and copies it into samples/
# (a pcapng gets COMMENT as its section comment).
capture_stop() {
    local name=$1 comment=${2:-}
    sleep 0.3                       # let the last ACK through
    kill -INT "$CAP_PID"
    wait "$CAP_PID" || true
    [ -s "$CAP_FILE" ] || { cat "$CAP_LOG" >&2; die "$name: empty capture"; }
    if grep -qE '^[1-9][0-9]* packets dropped' "$CAP_LOG"; then
        cat "$CAP_LOG" >&2; die "$name: the capture dropped packets"
    fi
    rm -f "$SAMPLES/$name.pcap" "$SAMPLES/$name.pcapng"
    if [ "$CAP_KIND" = pcapng ]; then
        editcap -F pcapng ${comment:+--capture-comment "$comment"} \
            "$CAP_FILE" "$SAMPLES/$name.pcapng"
        chmod 644 "$SAMPLES/$name.pcapng"
    else
        cp "$CAP_FILE" "$SAMPLES/"  # a copy: owned by us, not by tcpdump
        chmod 644 "$SAMPLES/$name.pcap"
    fi
}

# server ADDRESS ARGS... : an s_server on ADDRESS:$P serving $WORK/www.
# Certificate and key are the sample server's (RSA) unless SRV_CERT and
# SRV_KEY name others.
# Its stdin is a pipe that stays open and silent, so a server in plain
# mode neither sends anything of its own nor sees end of input.
server() {
    local addr=$1; shift
    SRV_LOG=$WORK/server.$P.log
    ( cd "$WORK/www" && exec openssl s_server -accept "$addr:$P" \
        -cert "${SRV_CERT:-$KEYS/server.crt}" -key "${SRV_KEY:-$KEYS/server.key}" "$@" ) \
        <>"$WORK/quiet" >"$SRV_LOG" 2>&1 &
    SRV_PID=$!
    OURS+=("$SRV_PID")
    wait_for 10 listening "$P" || { cat "$SRV_LOG" >&2; die "server on port $P did not start"; }
}

# The servers here stop by themselves (-naccept); wait for that, but not forever.
server_done() {
    if ! wait_for 10 eval '! kill -0 "$SRV_PID" 2>/dev/null'; then
        kill "$SRV_PID" 2>/dev/null || true
        cat "$SRV_LOG" >&2
        die "server on port $P did not finish"
    fi
    wait "$SRV_PID" 2>/dev/null || true
}

# client ADDRESS LOG ARGS... : s_client to ADDRESS:$P, verifying the server
# against the sample CA (or CLIENT_CA), with stdin as the application data
# to send.
client() {
    local addr=$1 log=$2; shift 2
    timeout 15 openssl s_client -connect "$addr:$P" -servername "$HOST" \
        -CAfile "${CLIENT_CA:-$KEYS/ca.crt}" -verify 1 -verify_return_error -verify_hostname "$HOST" \
        "$@" >"$log" 2>&1 || true
}

# get ADDRESS LOG ARGS... : one HTTP GET; the client stays until the server closes.
get() {
    local addr=$1 log=$2; shift 2
    printf '%s' "$REQUEST" | client "$addr" "$log" -ign_eof "$@"
}

expect() {   # expect LOG PATTERN WHAT
    grep -qE -- "$2" "$1" || { cat "$1" >&2; die "expected $3 (see the log above)"; }
}
got_page() { expect "$1" "$REPLY" "the page to arrive"; }

keylog_into() {   # keylog_into NAME FILE : keep a key log next to the capture
    [ -s "$2" ] || die "$1: no key log written"
    cp "$2" "$SAMPLES/$1.keylog"
    chmod 644 "$SAMPLES/$1.keylog"
}

# ---------------------------------------------------------------- samples
# Each sample_X makes samples/X.pcap[ng] (+ X.keylog).

sample_tls12-rsa() {
    local n=tls12-rsa; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher AES128-GCM-SHA256
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

sample_tls12-rsa-cbc() {
    local n=tls12-rsa-cbc; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher AES128-SHA
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# TLS 1.2 as it was before RFC 7366 and RFC 7627: the client turns off
# encrypt_then_mac (so CBC records are MAC-then-encrypt) and the extended
# master secret (so the master secret comes from the two randoms, not from
# the session hash).
sample_tls12-rsa-legacy() {
    local n=tls12-rsa-legacy; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher AES256-SHA256
    OPENSSL_CONF=$NO_EMS get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" -no_etm
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
    expect "$WORK/$n.c1" 'Extended master secret: no' "no extended master secret"
}

# (This capture has nanosecond time stamps: the other pcap magic number.)
sample_tls12-ecdhe() {
    local n=tls12-ecdhe; next_port
    capture_start $n en10mb-ns
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" -groups X25519
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# TLS 1.3 in pcapng, plus a copy with the key log embedded in the file
# (pcapng Decryption Secrets Block).
sample_tls13() {
    local n=tls13; next_port
    capture_start $n pcapng
    server 127.0.0.1 -WWW -naccept 1 -alpn http/1.1
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" \
        -ciphersuites TLS_AES_128_GCM_SHA256 -groups X25519:P-256 -alpn http/1.1
    server_done
    capture_stop $n "tlsview sample: TLS 1.3, TLS_AES_128_GCM_SHA256, x25519, SNI, ALPN"
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
    expect "$WORK/$n.c1" 'ALPN protocol: http/1.1' "ALPN to be agreed"
    rm -f "$SAMPLES/tls13-embedded-keys.pcapng"
    editcap --inject-secrets "tls,$SAMPLES/$n.keylog" "$SAMPLES/$n.pcapng" \
        "$SAMPLES/tls13-embedded-keys.pcapng"
    chmod 644 "$SAMPLES/tls13-embedded-keys.pcapng"
}

# The client sends a key share for X25519 only; the server accepts P-256
# only, so it answers with a HelloRetryRequest.
sample_tls13-hrr() {
    local n=tls13-hrr; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -groups P-256
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" -groups X25519:P-256 \
        -ciphersuites TLS_AES_128_GCM_SHA256
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
    expect "$WORK/$n.c1" 'Server Temp Key: ECDH, prime256v1' "P-256 after the retry"
}

# Two connections in one capture: a full handshake, then an abbreviated one
# with the session the client saved from the first.
# resume NAME SERVER-ARGS...
resume() {
    local n=$1; shift
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 2 "$@"
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" -sess_out "$WORK/$n.sess"
    get 127.0.0.1 "$WORK/$n.c2" -keylogfile "$WORK/$n.keylog" -sess_in "$WORK/$n.sess"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; got_page "$WORK/$n.c2"
    expect "$WORK/$n.c1" '^New,' "a full handshake first"
    expect "$WORK/$n.c2" '^Reused,' "the session to be resumed"
    keylog_into $n "$WORK/$n.keylog"
}

sample_tls12-resume-id() {
    next_port; resume tls12-resume-id -tls1_2 -cipher AES128-GCM-SHA256 -no_ticket
}

sample_tls12-resume-ticket() {
    next_port; resume tls12-resume-ticket -tls1_2 -cipher AES128-GCM-SHA256
}

sample_tls13-resume() {
    next_port; resume tls13-resume -tls1_3 -num_tickets 1
}

# TLS 1.3 early data.  The first connection gets a ticket that allows
# 0-RTT; the second sends a line before the handshake is done.  The server
# is in plain mode (its stdin is a pipe nobody writes to), so only the
# client sends application data; each connection ends with close_notify.
sample_tls13-0rtt() {
    local n=tls13-0rtt; next_port
    printf 'hello as early data\n' > "$WORK/$n.early"
    capture_start $n en10mb
    server 127.0.0.1 -naccept 2 -tls1_3 -num_tickets 1 -early_data
    { printf 'hello from client\n'; sleep 0.4; } 2>/dev/null |
        client 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" \
            -sess_out "$WORK/$n.sess" || true
    { sleep 0.4; printf 'hello after the handshake\n'; sleep 0.3; } 2>/dev/null |
        client 127.0.0.1 "$WORK/$n.c2" -keylogfile "$WORK/$n.keylog" \
            -sess_in "$WORK/$n.sess" -early_data "$WORK/$n.early" || true
    server_done; capture_stop $n
    expect "$SRV_LOG" 'Early data received' "early data to be accepted"
    expect "$WORK/$n.c2" '^Reused,' "the session to be resumed"
    keylog_into $n "$WORK/$n.keylog"
}

sample_mtls12() {
    local n=mtls12; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher AES128-GCM-SHA256 \
        -Verify 1 -CAfile "$KEYS/ca.crt"
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" \
        -cert "$KEYS/client.crt" -key "$KEYS/client.key"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# Mutual TLS 1.3, captured on "any" with the original Linux cooked header.
sample_mtls13() {
    local n=mtls13; next_port
    capture_start $n sll
    server 127.0.0.1 -WWW -naccept 1 -tls1_3 -Verify 1 -CAfile "$KEYS/ca.crt"
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" \
        -cert "$KEYS/client.crt" -key "$KEYS/client.key"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# Four handshakes that fail, each with an alert:
#  1. TLS 1.2, no cipher suite in common      -> server: handshake_failure
#  2. TLS 1.2, client does not trust the CA   -> client: unknown_ca (in clear)
#  3. TLS 1.3, client does not trust the CA   -> client: unknown_ca (also in
#     clear: OpenSSL has not switched to its handshake keys yet; the key
#     log opens the server's encrypted flight)
#  4. client speaks only TLS 1.1              -> server: protocol_version
sample_alert-failure() {
    local n=alert-failure; next_port
    local untrusting=(-no-CAfile -no-CApath -no-CAstore)
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 4 -min_protocol TLSv1.2 \
        -cipher ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256
    get 127.0.0.1 "$WORK/$n.c1" -tls1_2 -cipher AES256-SHA256
    expect "$WORK/$n.c1" 'alert handshake failure' "a handshake_failure alert"
    printf '%s' "$REQUEST" | timeout 15 openssl s_client -connect "127.0.0.1:$P" \
        -servername "$HOST" "${untrusting[@]}" -verify 1 -verify_return_error \
        -tls1_2 >"$WORK/$n.c2" 2>&1 || true
    expect "$WORK/$n.c2" 'unable to get local issuer' "the client to reject the certificate"
    printf '%s' "$REQUEST" | timeout 15 openssl s_client -connect "127.0.0.1:$P" \
        -servername "$HOST" "${untrusting[@]}" -verify 1 -verify_return_error \
        -tls1_3 -keylogfile "$WORK/$n.keylog" >"$WORK/$n.c3" 2>&1 || true
    expect "$WORK/$n.c3" 'unable to get local issuer' "the client to reject the certificate"
    get 127.0.0.1 "$WORK/$n.c4" -tls1_1 -cipher 'AES128-SHA:@SECLEVEL=0'
    expect "$WORK/$n.c4" 'protocol version' "a protocol_version alert"
    server_done; capture_stop $n
    keylog_into $n "$WORK/$n.keylog"
}

# Five clients at once against one server; the server writes the key log.
# s_server serves one connection at a time, so the others wait in the
# listen queue: their SYNs and ClientHellos interleave with the first
# connection's packets.  (Which client is served first varies by run.)
sample_multi() {
    local n=multi; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 5 -keylogfile "$WORK/$n.keylog" \
        -cipher 'ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES256-GCM-SHA384:AES256-SHA256'
    local pids=()
    get 127.0.0.1 "$WORK/$n.c1" -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 & pids+=($!)
    get 127.0.0.1 "$WORK/$n.c2" -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 \
        -groups P-384 & pids+=($!)
    get 127.0.0.1 "$WORK/$n.c3" -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 & pids+=($!)
    get 127.0.0.1 "$WORK/$n.c4" -tls1_2 -cipher DHE-RSA-AES256-GCM-SHA384 & pids+=($!)
    get 127.0.0.1 "$WORK/$n.c5" -tls1_2 -cipher AES256-SHA256 & pids+=($!)
    wait "${pids[@]}"
    server_done; capture_stop $n
    local i
    for i in 1 2 3 4 5; do got_page "$WORK/$n.c$i"; done
    keylog_into $n "$WORK/$n.keylog"
}

# TLS 1.3 over IPv6, captured on "any" (Linux cooked header v2).
sample_ipv6() {
    local n=ipv6; next_port
    capture_start $n sll2
    server '[::1]' -WWW -naccept 1
    get '[::1]' "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# A line-reversing server (-rev); the client speaks, waits, and uses the
# s_client command letters: K = TLS 1.3 KeyUpdate asking the peer to
# update too, R = TLS 1.2 renegotiation.  "CLOSE" makes the server hang up.
talk() {   # talk NAME COMMAND-LETTER CLIENT-ARGS...
    local n=$1 cmd=$2; shift 2
    { printf 'hello from client\n'; sleep 0.3
      printf '%s\n' "$cmd"; sleep 0.3
      printf 'hello again\n'; sleep 0.3
      printf 'CLOSE\n'; sleep 0.5; } 2>/dev/null |
        client 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" "$@" || true
}

sample_tls13-keyupdate() {
    local n=tls13-keyupdate; next_port
    capture_start $n en10mb
    server 127.0.0.1 -rev -naccept 1 -tls1_3
    talk $n K -ciphersuites TLS_AES_128_GCM_SHA256
    server_done; capture_stop $n
    expect "$WORK/$n.c1" 'niaga olleh' "the second reply"
    expect "$WORK/$n.c1" 'KEYUPDATE' "a key update"
    keylog_into $n "$WORK/$n.keylog"
}

sample_tls12-renego() {
    local n=tls12-renego; next_port
    capture_start $n en10mb
    server 127.0.0.1 -rev -naccept 1 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 \
        -client_renegotiation
    talk $n R
    server_done; capture_stop $n
    expect "$WORK/$n.c1" 'niaga olleh' "the second reply"
    expect "$WORK/$n.c1" 'RENEGOTIATING' "a renegotiation"
    keylog_into $n "$WORK/$n.keylog"
}

# Old protocol versions (need @SECLEVEL=0 with OpenSSL 3).  TLS 1.0 CBC
# records chain their IVs; TLS 1.1 records carry an explicit IV.  The TLS
# 1.0 client also turns off encrypt_then_mac and the extended master
# secret, as a client of that time would; the TLS 1.1 one keeps both.
old_version() {   # old_version NAME -tls1|-tls1_1 [CLIENT-ARGS...]
    local n=$1 v=$2; shift 2; next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 "$v" -cipher 'AES128-SHA:@SECLEVEL=0'
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" "$v" \
        -cipher 'AES128-SHA:@SECLEVEL=0' "$@"
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}
sample_tls10() { OPENSSL_CONF=$NO_EMS old_version tls10 -tls1 -no_etm; }
sample_tls11() { old_version tls11 -tls1_1; }

# Small pieces.  The server caps its records at 512 bytes, so its
# Certificate message spans two records.  The client (Python's ssl module
# over memory buffers) writes its records to the socket in pieces - first
# 3 bytes, then 100 at a time, with TCP_NODELAY - so its records span
# several TCP segments, the very first record header included.  (On lo the
# kernel does not cut big writes into MSS-sized packets, so the pieces
# must come from the writer.)
sample_fragmented() {
    local n=fragmented
    if ! have python3; then
        say "skip $n: needs python3 (apt-get install python3)"; return 0
    fi
    next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1 -tls1_2 -cipher AES128-GCM-SHA256 -max_send_frag 512
    timeout 15 python3 - "$P" "$KEYS/ca.crt" "$WORK/$n.keylog" "$REQUEST" "$HOST" \
        >"$WORK/$n.c1" 2>&1 <<'EOF' || true
import socket, ssl, sys, time

port, cafile, keylog, request, host = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=cafile)
ctx.keylog_filename = keylog
ctx.set_ciphers("AES128-GCM-SHA256")        # RSA key exchange, as the server wants
sock = socket.create_connection(("127.0.0.1", int(port)))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname=host)
piece = 3

def send_pending():
    global piece
    data = outgoing.read()
    while data:
        sock.sendall(data[:piece])
        data = data[piece:]
        piece = 100
        time.sleep(0.002)

def run(step):
    while True:
        try:
            result = step()
            send_pending()
            return result
        except ssl.SSLWantReadError:
            send_pending()
            data = sock.recv(65536)
            if data:
                incoming.write(data)
            else:
                incoming.write_eof()

run(tls.do_handshake)
run(lambda: tls.write(request.encode()))
reply = b""
while True:
    try:
        data = run(lambda: tls.read(4096))
    except ssl.SSLZeroReturnError:
        break
    if not data:
        break
    reply += data
print(tls.version(), tls.cipher()[0])
print(reply.decode())
run(tls.unwrap)
sock.close()
EOF
    server_done; capture_stop $n
    got_page "$WORK/$n.c1"; keylog_into $n "$WORK/$n.keylog"
}

# A GnuTLS client against the OpenSSL server (TLS 1.3), then the OpenSSL
# client against a GnuTLS echo server (TLS 1.2): other stacks order their
# extensions and pack their records differently.
sample_gnutls() {
    local n=gnutls
    if ! have gnutls-cli || ! have gnutls-serv; then
        say "skip $n: needs gnutls-cli and gnutls-serv (apt-get install gnutls-bin)"; return 0
    fi
    next_port
    capture_start $n en10mb
    server 127.0.0.1 -WWW -naccept 1
    { printf '%s' "$REQUEST"; sleep 0.5; } 2>/dev/null |
        SSLKEYLOGFILE=$WORK/$n.keylog timeout 15 gnutls-cli --x509cafile "$KEYS/ca.crt" \
            --sni-hostname "$HOST" --verify-hostname "$HOST" -p "$P" 127.0.0.1 \
            >"$WORK/$n.c1" 2>&1 || true
    server_done
    got_page "$WORK/$n.c1"

    gnutls-serv --echo -p "$P" \
        --x509certfile "$KEYS/server.crt" --x509keyfile "$KEYS/server.key" \
        --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' >"$WORK/$n.s2" 2>&1 &
    SRV_PID=$!; OURS+=("$SRV_PID"); SRV_LOG=$WORK/$n.s2
    wait_for 10 listening "$P" || { cat "$SRV_LOG" >&2; die "gnutls-serv did not start"; }
    { printf 'hello from client\n'; sleep 0.5; } 2>/dev/null |
        client 127.0.0.1 "$WORK/$n.c2" -keylogfile "$WORK/$n.keylog" || true
    expect "$WORK/$n.c2" '^hello from client' "the echo"
    sleep 0.2
    kill "$SRV_PID" 2>/dev/null || true
    wait "$SRV_PID" 2>/dev/null || true
    capture_stop $n
    keylog_into $n "$WORK/$n.keylog"
}

# An ECDSA server certificate: TLS 1.3 (the CertificateVerify is
# ecdsa_secp256r1_sha256), TLS 1.2 ECDHE-ECDSA (the ServerKeyExchange is
# signed with ECDSA) and TLS 1.1 ECDHE-ECDSA (no algorithm named: ECDSA
# over SHA-1).  One server, three clients one after the other.
sample_ecdsa() {
    local n=ecdsa; next_port
    [ -f "$KEYS/server-ecdsa.key" ] && [ -f "$KEYS/server-ecdsa.crt" ] || make_ecdsa_key
    capture_start $n en10mb
    SRV_CERT=$KEYS/server-ecdsa.crt SRV_KEY=$KEYS/server-ecdsa.key \
        server 127.0.0.1 -WWW -naccept 3 \
        -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
    local CLIENT_CA=$KEYS/server-ecdsa.crt
    get 127.0.0.1 "$WORK/$n.c1" -keylogfile "$WORK/$n.keylog" -tls1_3
    get 127.0.0.1 "$WORK/$n.c2" -keylogfile "$WORK/$n.keylog" -tls1_2 \
        -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    get 127.0.0.1 "$WORK/$n.c3" -keylogfile "$WORK/$n.keylog" -tls1_1 \
        -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
    server_done; capture_stop $n
    local i
    for i in 1 2 3; do got_page "$WORK/$n.c$i"; done
    expect "$WORK/$n.c1" 'Peer signature type: ECDSA' "an ECDSA CertificateVerify"
    expect "$WORK/$n.c2" 'ECDHE-ECDSA-AES128-GCM-SHA256' "TLS 1.2 ECDHE-ECDSA"
    expect "$WORK/$n.c3" 'Protocol *: TLSv1.1' "TLS 1.1"
    keylog_into $n "$WORK/$n.keylog"
}

# ---------------------------------------------------------------- check

# One line per TCP connection, as tshark decodes it with the sample's key
# log and the server key: the TLS records in order, "C:" from the client,
# "S:" from the server.  Handshake messages by short name, CCS, Data for
# application data, Alert(level/description), "(part)" for the first
# record of a handshake message split over records, "?" for a record
# tshark could not decrypt.
summarise() {   # summarise FILE SERVER-PORT
    local f=$1 base=${1%.*} opts=() link
    [ -f "$base.keylog" ] && opts+=(-o "tls.keylog_file:$base.keylog")
    opts+=(-o "uat:rsa_keys:\"$KEYS/server.key\",\"\"" -d "tcp.port==$2,tls")
    link=$(capinfos -E "$f" 2>/dev/null | sed -n 's/^File encapsulation: *//p')
    printf '%s  [%s]\n' "$(basename "$f")" "$link"
    tshark -r "$f" "${opts[@]}" -V -O tls 2>/dev/null | awk -v sp="$2" '
        BEGIN {
            split("0 HelloReq 1 CH 2 SH 4 NST 5 EOED 8 EE 11 Cert 12 SKE 13 CR " \
                  "14 SHD 15 CV 16 CKE 20 Fin 22 CertStatus 24 KU", m, " ")
            for (i = 1; i in m; i += 2) name[m[i]] = m[i + 1]
        }
        function flush() {
            if (!inrec) return
            if (ct == 20) tok = "CCS"
            else if (ct == 21) tok = (desc != "") ? "Alert(" lvl "/" desc ")" : "Alert(?)"
            else if (ct == 22) tok = (hs != "") ? hs : frag ? "(part)" : "?"
            else if (ct == 23) tok = "Data"
            else tok = "?"
            n = split(tok, t, " ")
            for (i = 1; i <= n; i++) line[conn] = line[conn] " " dir ":" t[i]
            inrec = 0
        }
        /^Transmission Control Protocol, Src Port: / {
            flush()
            split($0, w, /[ ,]+/); src = w[6]; dst = w[9]
            dir = (src == sp) ? "S" : "C"; conn = (src == sp) ? dst : src
            if (!(conn in seen)) { seen[conn] = 1; order[++nc] = conn }
            next
        }
        /Record Layer:/ { flush(); inrec = 1; ct = 0; hs = ""; lvl = ""; desc = ""; hrr = 0; frag = 0
                          if ($0 ~ /Hello Retry Request/) hrr = 1; next }
        !inrec { next }
        /Opaque Type:/ { next }
        /Handshake Protocol: .*\(fragment\)/ { frag = 1 }
        /Content Type: / { match($0, /\([0-9]+\)/); ct = substr($0, RSTART + 1, RLENGTH - 2) + 0; next }
        /Handshake Type: / {
            match($0, /\([0-9]+\)/); h = substr($0, RSTART + 1, RLENGTH - 2)
            nm = (h in name) ? name[h] : "hs" h
            if (h == 2 && hrr) nm = "HRR"
            hs = (hs == "") ? nm : hs " " nm; want_suite = (h == 2); next
        }
        want_suite && /Cipher Suite: / {
            sub(/^ *Cipher Suite: /, ""); sub(/ \(0x.*/, ""); suite[conn] = $0; want_suite = 0; next
        }
        ct == 21 && /^ +Level: / { match($0, /\([0-9]+\)/); lvl = substr($0, RSTART + 1, RLENGTH - 2); next }
        ct == 21 && /^ +Description: / { sub(/^ +Description: /, ""); sub(/ \(.*/, ""); desc = tolower($0); gsub(/ /, "_", desc); next }
        END {
            flush()
            for (i = 1; i <= nc; i++)
                printf "  conn port %s  %s\n   %s\n", order[i], suite[order[i]], line[order[i]]
        }'
}

check_all() {
    local name f port
    for name in "${wanted[@]}"; do
        for f in "$SAMPLES/$name.pcap" "$SAMPLES/$name.pcapng" \
                 "$SAMPLES/$name-embedded-keys.pcapng"; do
            [ -f "$f" ] || continue
            port=$(tshark -r "$f" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields \
                -e tcp.dstport -c 1 2>/dev/null)
            summarise "$f" "$port"
        done
    done
}

# ---------------------------------------------------------------- main

if [ $check_only -eq 1 ]; then
    check_all
    exit 0
fi
if [ $keep_keys -eq 0 ] || [ ! -f "$KEYS/server.key" ]; then
    make_keys
fi
for name in "${wanted[@]}"; do
    say "sample: $name"
    "sample_$name"
done
[ $check -eq 1 ] && check_all
say "done"
