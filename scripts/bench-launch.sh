#!/usr/bin/env bash
# bench-launch.sh: how long after launch does the desktop assistant show
# its content? Measured from outside the app, under Xvfb.
#
# Builds the default expeditor binary (or takes EXPEDITOR_BIN), starts an
# Xvfb of its own, and launches the assistant RUNS times (default 7) in
# each of two cases, interleaved:
#   first   a fresh temporary HOME: no configuration, the welcome shown;
#   return  a returning user's HOME: the preferences of a welcomed user,
#           two profiles, a demo certificate and a practice set sent and
#           answered (so the ledger and the replies folder exist).
# Each round times, from just before exec to the first sample of the
# screen where it is seen (the screen is read every few milliseconds
# through libX11's XGetImage, by a small Python helper below):
#   mapped   the first pixel that is not the black Xvfb background;
#   content  the first frame with content drawn: at least MIN_COLOURS
#            distinct colours on the screen (the window's background alone
#            is one or two; text, icons and buttons bring dozens);
# then closes the app (SIGTERM). BASE_BIN=path measures another build in
# the same rounds, interleaved (before/after a change). It prints every
# round, the medians and the load average before and after, and ends with
#   first_content_ms=N return_content_ms=N  (target: <= 1500)
# The machine should be otherwise idle: these are wall-clock times.
# Needs go, Xvfb (xvfb), python3 and libX11 (libx11-6): scripts/deps.sh gui
# installs them (make bench-launch runs it).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/xvfb.sh
. scripts/xvfb.sh
scripts=$PWD/scripts
RUNS=${RUNS:-7}
MIN_COLOURS=${MIN_COLOURS:-24}
TIMEOUT_S=${TIMEOUT_S:-15}
SCREEN=${SCREEN:-1024x768}

for tool in go Xvfb python3; do
	command -v "$tool" >/dev/null || { echo "bench-launch: $tool is missing (scripts/deps.sh gui installs it)" >&2; exit 1; }
done

tmp=$(mktemp -d)
xvfb_pid=""
cleanup() {
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

gui_expeditor bench-launch "$tmp"

# An Xvfb of our own, on the first free display it finds (-displayfd).
start_xvfb bench-launch "$SCREEN" "$tmp"

# newhome DIR: an empty home, and the environment that points there (no
# EXPEDITOR_HOME, the XDG folders inside it).
homeenv() {
	echo "HOME=$1" "XDG_CONFIG_HOME=$1/.config" "XDG_CACHE_HOME=$1/.cache" "XDG_DATA_HOME=$1/.local/share"
}

# The returning user's home, made once with the CLI: a demo certificate,
# a practice set named, signed, sent and answered; an SFTP profile; and
# the assistant's preferences of a user who saw the welcome.
ret="$tmp/return-home"
mkdir -p "$ret/work"
(
	cd "$ret/work"
	export $(homeenv "$ret")
	unset EXPEDITOR_HOME
	today=$(date +%Y%m%d)
	"$bin" practice demo-cert --out demo.p12 >demo.out
	sed -n 's/^password: //p' demo.out | tr -d '\n' >demo.pw
	printf '<DmfAOriginal>\r\n  <Quarter>20264</Quarter>\r\n</DmfAOriginal>\r\n' >payroll.xml
	"$bin" name --app DMFA --sender 123456 --env R --date "$today" payroll.xml >/dev/null
	fi="FI.DMFA.123456.$today.00001.R.1.1"
	"$bin" sign --p12 demo.p12 --password-file demo.pw "$fi" >/dev/null 2>&1
	"$bin" send --profile practice "$fi" >/dev/null
	"$bin" replies --profile practice >/dev/null
	ssh-keygen -q -t ed25519 -N '' -f office.key 2>/dev/null || true
	"$bin" profile add office sftp://sender01@sftp.example.org --identity office.key --no-password >/dev/null 2>&1 ||
		echo "bench-launch: could not add the office profile (the returning user has the practice one only)" >&2
	prefs="$ret/.config/fyne/be.expeditor.app"
	mkdir -p "$prefs"
	printf '{"welcomed":true,"setupOffered":true,"profile":"practice","sender":"123456","p12":"%s","certNotAfter":"%s","certSubject":"Expeditor practice"}\n' \
		"$ret/work/demo.p12" "$(date -u -d '+2 years' +%Y-%m-%dT%H:%M:%SZ)" >"$prefs/preferences.json"
) || { echo "bench-launch: could not make the returning user's home" >&2; exit 1; }

# The screen watcher: launches the command given, reads the screen until
# content is drawn (or TIMEOUT_S), prints "mapped_ms content_ms colours"
# and stops the command.
# (scripts/launch_watch.py, with scripts/x11screen.py)

# round CASE HOME BIN: one launch; appends "mapped content colours" to
# $tmp/CASE.t.
round() {
	local case=$1 home=$2 bin=$3 out
	out=$(cd "$home" && env -u EXPEDITOR_HOME $(homeenv "$home") python3 -B "$scripts/launch_watch.py" "$MIN_COLOURS" "$TIMEOUT_S" "$bin")
	echo "$out" >>"$tmp/$case.t"
	printf 'bench-launch: %-11s mapped %6s ms  content %6s ms  (%s colours)\n' "$case" $out >&2
}

median() { # median of column $1 of file $2 (numbers only)
	awk -v c="$1" '$c ~ /^[0-9]+$/ {print $c}' "$2" | sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "none"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'
}

echo "bench-launch: $RUNS rounds each, screen $SCREEN, display $DISPLAY, $(nproc) cores" >&2
echo "bench-launch: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Launches to warm the page cache (binary, fonts, GL libraries) and the
# returning user's caches (Mesa's shaders, the font index): not counted.
warm="$tmp/warm-home"
mkdir -p "$warm"
for b in "$bin" ${BASE_BIN:+"$BASE_BIN"}; do
	for h in "$warm" "$ret"; do
		(cd "$h" && env -u EXPEDITOR_HOME $(homeenv "$h") python3 -B "$scripts/launch_watch.py" "$MIN_COLOURS" "$TIMEOUT_S" "$b" >/dev/null)
	done
done
for i in $(seq 1 "$RUNS"); do
	mkdir -p "$tmp/first-home-$i" "$tmp/base-first-home-$i"
	round first "$tmp/first-home-$i" "$bin"
	round return "$ret" "$bin"
	if [ -n "${BASE_BIN:-}" ]; then
		round base-first "$tmp/base-first-home-$i" "$BASE_BIN"
		round base-return "$ret" "$BASE_BIN"
	fi
done
echo "bench-launch: load average after:  $(cut -d' ' -f1-3 /proc/loadavg)" >&2

fc=$(median 2 "$tmp/first.t")
rc=$(median 2 "$tmp/return.t")
if [ -n "${BASE_BIN:-}" ]; then
	echo "bench-launch: BASE_BIN medians over $RUNS rounds: first run mapped $(median 1 "$tmp/base-first.t") ms, content $(median 2 "$tmp/base-first.t") ms;" \
		"returning user mapped $(median 1 "$tmp/base-return.t") ms, content $(median 2 "$tmp/base-return.t") ms"
fi
echo "bench-launch: medians over $RUNS rounds: first run mapped $(median 1 "$tmp/first.t") ms, content $fc ms;" \
	"returning user mapped $(median 1 "$tmp/return.t") ms, content $rc ms (target <= 1500 ms)"
echo "first_content_ms=$fc return_content_ms=$rc load=$(cut -d' ' -f1 /proc/loadavg)"
