#!/bin/sh
# Memory of fetching replies whatever the server holds (issue 11): the
# uploader test TestFetchRepliesMemory fetches, from a transfer point that
# generates its files, a 1 GB reply listed as such, a 1 GB reply listed as
# 1 KB, a CO file that unpacks to 600 MB, a CO file of 100 000 entries and
# a 200 MB notification (zipped), and logs its peak heap; /usr/bin/time
# gives the peak resident memory of the whole test process (which also
# holds the generated server files). Target: under 100 MB.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/uploader.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./uploader
cd uploader
/usr/bin/time -f 'max RSS %M KB, %e s' "$bin" -test.run '^TestFetchRepliesMemory$' -test.v -test.count=1 2>&1 |
	grep -E 'peak heap|max RSS|^(ok|PASS|FAIL|---)'
