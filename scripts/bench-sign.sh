#!/usr/bin/env bash
# bench-sign.sh: how fast and how lean is `expeditor sign` of a large
# declaration, measured end to end on the built binary?
#
# Makes a CRLF declaration of SIZE_MIB MiB (default 190, under the 200 MB
# part limit) and an RSA-2048 .p12 in a temporary folder, builds the
# expeditor binary (the default build, and the headless `-tags nogui`
# one), and times, RUNS times each (default 7, interleaved):
#   openssl dgst -sha256 FI
#   expeditor sign --p12 P12 --password-file PW --force FI
# It prints the medians, the peak RSS (/usr/bin/time) and
#   ratio=X.XX peak_rss_mb=N            (the default build)
#   ratio_nogui=X.XX peak_rss_mb_nogui=N
# with the targets: ratio <= 1.1, peak RSS <= 32 MB. The FS written is
# checked with openssl in binary and in text mode.
#
# The machine should be otherwise idle: these are wall-clock times, and
# the load average is printed with them.
# Needs go, openssl and /usr/bin/time (Debian/Ubuntu package "time").
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-build.sh
. scripts/bench-build.sh
RUNS=${RUNS:-7}
SIZE_MIB=${SIZE_MIB:-190}

for tool in go openssl /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-sign: $tool is missing (for /usr/bin/time: apt-get install time)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "bench-sign: building expeditor (default and nogui)" >&2
build_expeditor "$tmp"
# The ledger goes in a configuration folder of its own, not the user's.
export EXPEDITOR_HOME="$tmp/home"

# The declaration: whole CRLF lines up to SIZE_MIB MiB.
line=$'  <Worker><INSS>85073003328</INSS><Name>Emile Dupont</Name><Wage>2345.67</Wage></Worker>\r'
n=$(( SIZE_MIB * 1024 * 1024 / (${#line} + 1) ))
fi="$tmp/FI.DMFA.123456.$(date +%Y%m%d).00001.R.1.1"
fs="${fi/\/FI./\/FS.}"
{ yes "$line" || true; } | head -n "$n" >"$fi" # yes dies of SIGPIPE: expected
size=$(stat -c %s "$fi")

# The credential (the password goes through a file, never a flag value).
printf 'bench-password' >"$tmp/pw"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-subj "/CN=Expeditor bench" -days 30 -addext keyUsage=critical,digitalSignature,nonRepudiation 2>/dev/null
openssl pkcs12 -export -inkey "$tmp/key.pem" -in "$tmp/cert.pem" -passout "file:$tmp/pw" -out "$tmp/signer.p12"

cat "$fi" >/dev/null # warm the cache for everyone

# timed NAME CMD...: runs CMD once, appends its wall time (ns) to
# $tmp/NAME.t, its peak RSS (KiB) to $tmp/NAME.rss and its CPU time
# (user + system, s) to $tmp/NAME.cpu.
timed() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(( t1 - t0 )) >>"$tmp/$name.t"
	tail -n 1 "$tmp/rss" | awk '{print $1}' >>"$tmp/$name.rss"
	tail -n 1 "$tmp/rss" | awk '{print $2 + $3}' >>"$tmp/$name.cpu"
}
median() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxof() { sort -n "$1" | tail -n 1; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$RUNS"); do
	timed openssl openssl dgst -sha256 "$fi"
	timed gui "$tmp/expeditor" sign --p12 "$tmp/signer.p12" --password-file "$tmp/pw" --force "$fi"
	timed nogui "$tmp/expeditor-nogui" sign --p12 "$tmp/signer.p12" --password-file "$tmp/pw" --force "$fi"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# The FS written must verify with openssl, in binary and in text mode.
tr -d '\r\n' <"$fs" | openssl base64 -d -A >"$tmp/fs.der"
for mode in -binary ""; do
	# shellcheck disable=SC2086 # $mode is one flag or none
	openssl cms -verify $mode -inform DER -in "$tmp/fs.der" -content "$fi" -noverify -out /dev/null 2>/dev/null ||
		{ echo "bench-sign: openssl does not verify the FS (cms -verify ${mode:-text mode})" >&2; exit 1; }
done

awk -v s="$size" -v runs="$RUNS" -v l0="$load0" -v l1="$load1" \
	-v o="$(median "$tmp/openssl.t")" -v orss="$(maxof "$tmp/openssl.rss")" -v oc="$(median "$tmp/openssl.cpu")" \
	-v g="$(median "$tmp/gui.t")" -v grss="$(maxof "$tmp/gui.rss")" -v gc="$(median "$tmp/gui.cpu")" \
	-v h="$(median "$tmp/nogui.t")" -v hrss="$(maxof "$tmp/nogui.rss")" -v hc="$(median "$tmp/nogui.cpu")" 'BEGIN {
	printf "file: %.1f MiB, CRLF; median of %d runs; load average before %s, after %s\n", s / 1048576, runs, l0, l1
	printf "openssl dgst -sha256:        %.3f s (%4.0f MB/s), CPU %.2f s, peak RSS %.1f MB\n", o / 1e9, s / (o / 1e9) / 1e6, oc, orss / 1024
	printf "expeditor sign:              %.3f s (%4.0f MB/s), CPU %.2f s, peak RSS %.1f MB\n", g / 1e9, s / (g / 1e9) / 1e6, gc, grss / 1024
	printf "expeditor sign (nogui):      %.3f s (%4.0f MB/s), CPU %.2f s, peak RSS %.1f MB\n", h / 1e9, s / (h / 1e9) / 1e6, hc, hrss / 1024
	printf "targets: ratio <= 1.1, peak_rss_mb <= 32 (FS verified by openssl, binary and text mode)\n"
	printf "ratio=%.2f peak_rss_mb=%d\n", g / o, (grss + 1023) / 1024
	printf "ratio_nogui=%.2f peak_rss_mb_nogui=%d\n", h / o, (hrss + 1023) / 1024
}'
