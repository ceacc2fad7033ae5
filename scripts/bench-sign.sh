#!/usr/bin/env bash
# bench-sign.sh: how fast and how lean is signing a 200 MiB declaration?
#
# Makes a 200 MiB CRLF declaration and an RSA-2048 .p12 in a temporary
# folder, signs the file with Expeditor's signer (internal/benchsign) and
# hashes it with `openssl dgst -sha256`, and prints
#   ratio=X.XX peak_rss_mb=N
# with the targets: ratio (Expeditor / openssl wall time) <= 1.1, peak
# RSS <= 32 MB. Each timing is the best of RUNS (default 3) on a warm cache.
# Needs go, openssl and /usr/bin/time (Debian/Ubuntu package "time").
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-200}

for tool in go openssl /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-sign: $tool is missing (for /usr/bin/time: apt-get install time)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The declaration: whole CRLF lines up to SIZE_MIB MiB.
line=$'  <Worker><INSS>85073003328</INSS><Name>Emile Dupont</Name><Wage>2345.67</Wage></Worker>\r'
n=$(( SIZE_MIB * 1024 * 1024 / (${#line} + 1) ))
fi="$tmp/FI.DMFA.123456.20261121.00001.R.1.1"
{ yes "$line" || true; } | head -n "$n" >"$fi" # yes dies of SIGPIPE: expected
size=$(stat -c %s "$fi")

# The credential (the password goes through a file, never a flag value).
printf 'bench-password' >"$tmp/pw"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-subj "/CN=Expeditor bench" -days 30 -addext keyUsage=critical,digitalSignature,nonRepudiation 2>/dev/null
openssl pkcs12 -export -inkey "$tmp/key.pem" -in "$tmp/cert.pem" -passout "file:$tmp/pw" -out "$tmp/signer.p12"

go build -o "$tmp/benchsign" ./internal/benchsign

cat "$fi" >/dev/null # warm the cache for everyone

# best_of CMD...: the lowest wall time in seconds over RUNS runs, and the
# peak RSS (KiB) of that run, from /usr/bin/time.
best_of() {
	local best="" rss=""
	for _ in $(seq "$RUNS"); do
		local t0 t1 dt kib
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		t1=$(date +%s%N)
		dt=$(( t1 - t0 ))
		kib=$(tail -n 1 "$tmp/rss")
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; rss=$kib; fi
	done
	echo "$best $rss"
}

read -r ossl_ns ossl_rss < <(best_of openssl dgst -sha256 "$fi")
read -r sign_ns sign_rss < <(best_of "$tmp/benchsign" -p12 "$tmp/signer.p12" -password-file "$tmp/pw" "$fi")
read -r prep_ns prep_rss < <(best_of "$tmp/benchsign" -prepare -p12 "$tmp/signer.p12" -password-file "$tmp/pw" "$fi")

# The FS made must verify with openssl (binary mode, DER).
tr -d '\r\n' <"$tmp/bench.fs" | openssl base64 -d -A >"$tmp/bench.der"
openssl cms -verify -binary -inform DER -in "$tmp/bench.der" -content "$fi" -noverify -out /dev/null 2>/dev/null ||
	{ echo "bench-sign: the signature does not verify" >&2; exit 1; }

awk -v s="$size" -v o="$ossl_ns" -v g="$sign_ns" -v gr="$sign_rss" -v p="$prep_ns" -v pr="$prep_rss" -v or="$ossl_rss" 'BEGIN {
	printf "file: %.1f MiB\n", s / 1048576
	printf "openssl dgst -sha256:  %.3f s (%.0f MB/s), peak RSS %.1f MB\n", o / 1e9, s / (o / 1e9) / 1e6, or / 1024
	printf "expeditor sign:        %.3f s (%.0f MB/s), peak RSS %.1f MB\n", g / 1e9, s / (g / 1e9) / 1e6, gr / 1024
	printf "expeditor prepare:     %.3f s (check + sign + write + verify FS, GO), peak RSS %.1f MB\n", p / 1e9, pr / 1024
	printf "targets: ratio <= 1.1, peak_rss_mb <= 32\n"
	printf "ratio=%.2f peak_rss_mb=%d\n", g / o, (gr + 1023) / 1024
}'
