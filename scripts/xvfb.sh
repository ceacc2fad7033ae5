# xvfb.sh, sourced by the scripts that run the desktop assistant under an
# X server of their own (bench-launch.sh, walkthrough.sh).
#
# gui_expeditor TAG DIR sets bin to the expeditor binary to run:
# EXPEDITOR_BIN when set, otherwise the default build, made in DIR.
gui_expeditor() {
	bin=${EXPEDITOR_BIN:-}
	if [ -z "$bin" ]; then
		echo "$1: building expeditor (default build)" >&2
		go build -trimpath -o "$2/expeditor" ./cmd/expeditor
		bin="$2/expeditor"
	fi
}
#
# start_xvfb TAG SCREEN DIR starts Xvfb with a SCREEN (WIDTHxHEIGHT) of 24
# bits on the first free display, writes its log in DIR/xvfb.log, sets
# xvfb_pid (for the caller's clean-up) and exports DISPLAY. It exits with
# Xvfb's log on stderr, prefixed TAG, when the server does not start.
start_xvfb() {
	local tag=$1 screen=$2 dir=$3
	Xvfb -displayfd 3 -screen 0 "${screen}x24" -br -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.log" &
	xvfb_pid=$!
	for _ in $(seq 1 100); do
		[ -s "$dir/display" ] && break
		sleep 0.05
	done
	[ -s "$dir/display" ] || { echo "$tag: Xvfb did not start:" >&2; cat "$dir/xvfb.log" >&2; exit 1; }
	export DISPLAY=":$(head -n1 "$dir/display")"
}
