#!/bin/sh
# bench-upload.sh — how fast Expeditor uploads compared with curl.
#
# Starts vsftpd on loopback (plain FTP, then FTPS with require_ssl_reuse),
# uploads a 200 MiB set (two 100 MiB FI parts, their FS, the GO) with
# Expeditor's uploader in a child process, uploads the same files with
# `curl -T`, and prints the median times, the ratios and the uploader's
# peak memory. Targets: ratio <= 1.1 plain, <= 1.2 FTPS; peak <= 64 MB.
#
# Needs root (vsftpd logs in a throwaway local user), vsftpd, curl and
# openssl. EXPEDITOR_BENCH_ROUNDS sets the number of rounds (default 5).
# The machine should be otherwise idle: the numbers are wall-clock times.
set -eu
cd "$(dirname "$0")/.."
for tool in vsftpd curl openssl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench-upload: $tool is not installed" >&2; exit 1; }
done
go test ./uploader -run '^$' -bench '^BenchmarkSend$' -benchtime 1x -count 1 2>&1 |
	grep -E '^(ftp|ftps):|^Benchmark|^(ok|FAIL|---)' 
