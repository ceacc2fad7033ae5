#!/usr/bin/env bash
# The version Expeditor carries, in one place, so that `expeditor --version`,
# the .deb packages, the Windows files and the .msi always agree.
#
#   scripts/version.sh          the version: printed by --version, in the .deb
#                               Version field and in every file name in dist/
#   scripts/version.sh numeric  the same as four numbers A.B.C.N, for the
#                               Windows version resource and the .msi
#
# From `git describe --tags` with a tag vX.Y.Z:
#   on the tag                  X.Y.Z               numeric X.Y.Z.0
#   N commits after it          X.Y.Z+N.gHASH       numeric X.Y.Z.N
# With no tag yet, the Version in FyneApp.toml (the next release) and N the
# number of commits:
#                               X.Y.Z~N.gHASH       numeric X.Y.Z.N
# '+' sorts after X.Y.Z and '~' before it in Debian's order, so a build after
# a release upgrades it and a build before the first release is replaced by it.
# Uncommitted changes add ".dirty". Without git: X.Y.Z~dev, numeric X.Y.Z.0.
# VERSION in the environment overrides the first form; the numeric form is
# then read from it (X.Y.Z, then N after a '+' or '~' if it follows).
set -euo pipefail
cd "$(dirname "$0")/.."

form=${1:-plain}
case "$form" in plain | numeric) ;; *) echo "usage: $0 [numeric]" >&2; exit 2 ;; esac

version=${VERSION:-}
if [ -z "$version" ]; then
	base=$(sed -nE 's/^ *Version *= *"([0-9]+\.[0-9]+\.[0-9]+)".*/\1/p' FyneApp.toml)
	base=${base:-0.0.0}
	if ! git rev-parse --git-dir >/dev/null 2>&1; then
		version="$base~dev"
	elif desc=$(git describe --tags --long --match 'v[0-9]*' --dirty 2>/dev/null) &&
		[[ $desc =~ ^v([0-9]+\.[0-9]+\.[0-9]+)-([0-9]+)-g([0-9a-f]+)(-dirty)?$ ]]; then
		tag=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} hash=${BASH_REMATCH[3]} dirty=${BASH_REMATCH[4]}
		if [ "$n" = 0 ] && [ -z "$dirty" ]; then
			version=$tag
		else
			version="$tag+$n.g$hash${dirty:+.dirty}"
		fi
	else
		n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
		hash=$(git rev-parse --short=7 HEAD 2>/dev/null || echo 0)
		dirty=""
		git diff --quiet HEAD 2>/dev/null || dirty=".dirty"
		version="$base~$n.g$hash$dirty"
	fi
fi

if [ "$form" = plain ]; then
	echo "$version"
	exit 0
fi
if [[ $version =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)([~+]([0-9]+))? ]]; then
	n=${BASH_REMATCH[5]:-0}
	[ "$n" -le 65535 ] || n=65535
	echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}.$n"
else
	echo "0.0.0.0"
fi
