#!/bin/sh
# Runs fuzz targets one after the other: scripts/fuzz.sh TIME PARALLEL
# pkg:Target... (the Makefile's fuzz target lists them all). A target
# fails when it writes a failing input to testdata/fuzz/Target/. A bare
# "context deadline exceeded" at the end of the time, with no input
# written, is Go's own coordinator race (golang/go#75804, fixed in Go
# 1.27), reported as a flake, not a failure.
set -u
time=$1 parallel=$2
shift 2
cd "$(dirname "$0")/.."
failed=""
for t in "$@"; do
	pkg=${t%%:*} name=${t#*:}
	corpus=$pkg/testdata/fuzz/$name
	before=$(ls "$corpus" 2>/dev/null | wc -l)
	echo "== $name (./$pkg, $time)"
	out=$(go test -run '^$' -fuzz "^$name\$" -fuzztime "$time" -fuzzminimizetime 10s -parallel "$parallel" "./$pkg/" 2>&1)
	status=$?
	echo "$out" | grep -v '^fuzz: elapsed' | grep -v '^$'
	echo "$out" | grep '^fuzz: elapsed' | tail -n 1
	after=$(ls "$corpus" 2>/dev/null | wc -l)
	if [ $status -ne 0 ]; then
		if [ "$after" -gt "$before" ]; then
			failed="$failed $name"
		elif echo "$out" | grep -q 'context deadline exceeded'; then
			echo "   (flake: golang/go#75804, no failing input written)"
		else
			failed="$failed $name"
		fi
	fi
done
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
