#!/usr/bin/env bash
# Sends a big file (default 200 MiB) over FTPS to vsftpd (require_ssl_reuse),
# ProFTPD (TLS 1.2-only and TLS 1.3-only) and Pure-FTPd on loopback, and
# checks each arrives byte-identical, with the TLS version and the session
# reuse of every data connection. The normal test run does the same with
# 24 MiB. Needs root and scripts/deps.sh test. Usage: scripts/check-ftps.sh [MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
EXPEDITOR_FTPS_MIB="${1:-200}" go test -count=1 -timeout 20m -run '^TestFTPSServers$' -v ./uploader |
	grep -E 'byte-identical|^(---|ok|FAIL)|foreign_test|transport_test'
