# bench-build.sh, sourced by the benchmark scripts that measure the built
# expeditor binaries (bench-sign.sh, bench-upload.sh). POSIX sh.
#
# build_expeditor DIR builds DIR/expeditor and DIR/expeditor-nogui (the
# headless -tags nogui build). They are built aside, then installed
# (copied) as a package or a download would be: runs of a binary just
# written by the Go linker (through a memory mapping) show 6-11 MB more
# peak RSS than runs of the same binary once copied (measured on Linux
# 6.18, ext4: more of the file gets mapped).
build_expeditor() {
	mkdir "$1/build"
	go build -trimpath -o "$1/build/expeditor" ./cmd/expeditor
	go build -trimpath -tags nogui -o "$1/build/expeditor-nogui" ./cmd/expeditor
	install -m 755 "$1/build/expeditor" "$1/build/expeditor-nogui" "$1/"
	rm -r "$1/build"
}
