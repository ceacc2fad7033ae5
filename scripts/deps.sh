#!/usr/bin/env bash
# Installs the system packages Expeditor needs on Debian or Ubuntu, only
# those that are missing. Usage: scripts/deps.sh run|test|package|gui
set -euo pipefail

build=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev)
# What the tests drive for real: OpenSSL to verify signatures, a SoftHSM2
# token for PKCS#11, vsftpd and OpenSSH's sshd as transfer points, curl as
# the benchmark's reference client, Xvfb for screenshots. ProFTPD (with
# mod_tls) and Pure-FTPd are tested too, but their packages conflict with
# vsftpd: they are unpacked (below), and only their libraries installed.
test=(openssl softhsm2 vsftpd openssh-server openssh-client curl xvfb xauth time
	libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23)
unpacked=(proftpd-core proftpd-mod-crypto pure-ftpd)
# make package (scripts/package.sh): xz for the Linux archive; mingw-w64's
# C compiler for the Windows cross-build and its windres for the icon,
# version and manifest resources; wixl (msitools) for the .msi. The checks
# of packaging/check.sh: msiinfo (msitools), wrestool (icoutils),
# desktop-file-validate (desktop-file-utils).
package=(xz-utils gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wixl msitools icoutils
	desktop-file-utils)

# The desktop assistant under Xvfb, from outside (make bench-launch,
# scripts/walkthrough.sh): python3 reads the screen through libX11 for
# the launch benchmark, xdotool types and clicks, ImageMagick's import
# takes the screenshots.
gui=(xvfb xauth libx11-6 python3 xdotool imagemagick)

case "${1:-run}" in
run) want=("${build[@]}") ;;
test) want=("${build[@]}" "${test[@]}") ;;
package) want=("${build[@]}" "${package[@]}") ;;
gui) want=("${build[@]}" "${gui[@]}") ;;
*) echo "usage: $0 run|test|package|gui" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The foreign FTP servers, unpacked with apt-get download + dpkg-deb -x
# into $EXPEDITOR_TEST_CACHE/root (internal/testservers runs them from
# there), again only when the archive's version is not there yet.
if [ "${1:-run}" = test ]; then
	cache="${EXPEDITOR_TEST_CACHE:-/var/cache/expeditor-test}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo mkdir -p "$cache/root"
	candidates() { apt-cache policy "${unpacked[@]}" 2>/dev/null | awk '/^[^ ]/ {p=$1; sub(":$", "", p)} /^ *Candidate:/ {print p, $2}'; }
	cand=$(candidates)
	if [ "$(echo "$cand" | grep -vc '(none)')" -lt ${#unpacked[@]} ]; then
		$sudo apt-get update -qq
		cand=$(candidates)
	fi
	for p in "${unpacked[@]}"; do
		v=$(echo "$cand" | awk -v p="$p" '$1 == p {print $2}')
		[ "$(cat "$cache/$p.version" 2>/dev/null)" = "$v" ] && continue
		echo "unpacking $p $v into $cache"
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$p=$v")
		$sudo dpkg-deb -x "$tmp"/*.deb "$cache/root"
		rm -rf "$tmp"
		echo "$v" | $sudo tee "$cache/$p.version" >/dev/null
	done
fi

# Go: the version go.mod names is fetched by the go command itself
# (GOTOOLCHAIN=auto) once any Go 1.21 or newer is present.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq golang-go >/dev/null
fi
v=$(go env GOVERSION 2>/dev/null || echo go1.0)
minor=$(echo "$v" | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt 21 ]; then
	echo "Expeditor needs Go 1.21 or newer to build (found $v)." >&2
	echo "On Debian 12: apt-get install -t bookworm-backports golang-go, or install Go from its website." >&2
	exit 1
fi
