#!/bin/sh
# bench-upload.sh: how fast and how lean is `expeditor send`, measured end
# to end on the built binary, compared with `curl -T`?
#
# Builds the expeditor binary (the default build and the headless
# `-tags nogui` one), starts vsftpd on loopback (plain FTP, then FTPS with
# require_ssl_reuse), makes a signed set of one 190 MiB part (its FS and
# GO), and for each build runs, EXPEDITOR_BENCH_ROUNDS times (default 5,
# interleaved):
#   expeditor send --to ftp[s]://USER@127.0.0.1:PORT --password-file PW FI
#   curl -T FI ftp://127.0.0.1:PORT/IN/
# It prints the median times, the ratio and the sender's peak RSS. Targets
# (plain FTP): ratio <= 1.1, peak RSS <= 64 MB. EXPEDITOR_BENCH_MIB sets
# the part size in MiB.
#
# Needs root (vsftpd logs in a throwaway local user), vsftpd, curl and
# openssl. The machine should be otherwise idle: these are wall-clock
# times, and the load average is printed with them.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-build.sh
. scripts/bench-build.sh
for tool in go vsftpd curl openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench-upload: $tool is not installed" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "bench-upload: building expeditor (default and nogui)" >&2
build_expeditor "$tmp"
for build in expeditor expeditor-nogui; do
	echo "== $build send; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	EXPEDITOR_BENCH_BIN="$tmp/$build" go test ./uploader -run '^$' -bench '^BenchmarkSend$' -benchtime 1x -count 1 2>&1 |
		grep -E '^(set|ftp|ftps):|^(ok|FAIL|---)'
done
echo "targets (ftp): ratio <= 1.1, peak RSS <= 64 MB; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
