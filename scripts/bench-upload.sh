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
# It prints the median times, their ratio, the median of each round's own
# ratio (its two runs follow each other, so the machine's load drifting
# during the benchmark moves it less) and the sender's peak RSS. Targets
# (plain FTP): ratio <= 1.1, peak RSS <= 64 MB. EXPEDITOR_BENCH_MIB sets
# the part size in MiB.
#
# It does so twice: with the server storing what it receives in memory
# (/dev/shm, tmpfs), which compares the two clients, then on disk
# (TMPDIR or /tmp), which adds the disk's work to both: on ext4, vsftpd
# truncates each new file after opening it, so ext4 writes the file out
# when vsftpd closes it, after its 226 reply, and the next command waits
# for that (50-90 ms for 190 MiB): expeditor's size check of the FI,
# curl's QUIT. EXPEDITOR_BENCH_STORES chooses ("memory disk" by default).
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
for store in ${EXPEDITOR_BENCH_STORES:-memory disk}; do
	case $store in
	memory) dir=/dev/shm ;;
	disk) dir=${TMPDIR:-/tmp} ;;
	*) echo "bench-upload: unknown store $store (memory or disk)" >&2; exit 2 ;;
	esac
	if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then
		echo "bench-upload: no $dir to store in, skipping $store" >&2
		continue
	fi
	for build in expeditor expeditor-nogui; do
		echo "== $build send; the server stores in $store ($dir, $(stat -f -c %T "$dir")); load average $(cut -d' ' -f1-3 /proc/loadavg)"
		TMPDIR=$dir EXPEDITOR_BENCH_BIN="$tmp/$build" go test ./uploader -run '^$' -bench '^BenchmarkSend$' -benchtime 1x -count 1 2>&1 |
			grep -E '^(set|ftp|ftps):|^(ok|FAIL|---)'
	done
done
echo "targets (ftp): ratio <= 1.1, peak RSS <= 64 MB; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
