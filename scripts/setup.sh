# Shared by scripts/demo and scripts/test: install what is missing, then build.
# Sourced, not run.

# Debian packages the build, the tests and the samples need.
TLSVIEW_PACKAGES="meson ninja-build pkg-config gcc libc6-dev libtsan2 libpcap-dev libmbedtls-dev libncurses-dev
  python3 openssl tcpdump tshark iproute2 man-db groff-base"

tlsview_install() {
    local missing=() p
    for p in $TLSVIEW_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "tlsview: need root or sudo to install ${missing[*]}" >&2; return 1; }
        sudo=sudo
    fi
    # tshark asks whether non-root users may capture: answer no, quietly.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# tlsview_build DIR [meson options...]
tlsview_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >/dev/null || return 1
    fi
    ninja -C "$dir" >/dev/null || ninja -C "$dir"
}
