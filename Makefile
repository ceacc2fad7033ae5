# Expeditor: `make run` opens the app, `make test` runs every test.
# Both install the system packages they need first (Debian/Ubuntu; root or sudo).

export PATH := /usr/local/go/bin:$(PATH)
export GOTOOLCHAIN ?= auto
export CGO_ENABLED := 1
GO ?= go
# One version for `expeditor --version` and every package: see scripts/version.sh.
VERSION ?= $(shell scripts/version.sh 2>/dev/null || echo 0.0.0~dev)
LDFLAGS := -X github.com/expeditor-be/expeditor/internal/version.Version=$(VERSION)

.PHONY: run test build bench bench-launch walkthrough fuzz package package-check deps-run deps-test deps-gui clean

run: deps-run build
	./bin/expeditor

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/expeditor ./cmd/expeditor

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

deps-gui:
	@scripts/deps.sh gui

# The whole suite: formatting, vet, a cgo-free build of everything but the
# GUI (the PKCS#11 stub), the headless CLI (-tags nogui, no Fyne linked),
# and every test against real OpenSSL, SoftHSM2, vsftpd and sshd; the CLI
# transcripts run a second time with the headless build. The GUI, the
# workflow and the uploader, whose tasks, hashing, leases and connections
# hand results across goroutines, run under the race detector (it reports
# in every run a race that would otherwise crash a rare run); the rest runs
# without it, and so does the uploader's 1 GB memory test, which the race
# detector slows from seconds to five minutes.
test: deps-test
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./batch/... ./signer/... ./uploader/... ./internal/... ./workflow/...
	$(GO) build -tags nogui -o /dev/null ./cmd/expeditor
	@if $(GO) list -tags nogui -deps ./cmd/expeditor | grep -q '^fyne.io/'; then echo "the headless build links Fyne"; exit 1; fi
	$(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v -e '/app$$' -e '/workflow$$' -e '/uploader')
	$(GO) test -race -count=1 -timeout 30m -skip '^TestFetchRepliesMemory$$' ./app ./workflow ./uploader/...
	$(GO) test -count=1 -timeout 30m -run '^TestFetchRepliesMemory$$' ./uploader
	$(GO) test -count=1 -timeout 30m -tags nogui ./cmd/expeditor

# dist/: the .deb packages (desktop and headless), a Linux .tar.xz, the
# Windows .exe (cross-built with mingw-w64, with icon, version and manifest)
# and .msi, and SHA256SUMS; see scripts/package.sh. package-check checks
# them as CI does (as root: it installs and removes the .deb packages).
package:
	VERSION="$(VERSION)" scripts/package.sh

package-check:
	VERSION="$(VERSION)" packaging/check.sh

# Speed and memory targets, measured (not asserted in tests).
bench: deps-test deps-gui
	scripts/bench-sign.sh
	scripts/bench-upload.sh
	scripts/check-ftps.sh
	scripts/mem-replies.sh
	scripts/bench-launch.sh

# The desktop assistant's launch alone: content drawn, under Xvfb, first
# run and returning user (RUNS=7 rounds each by default).
bench-launch: deps-gui
	scripts/bench-launch.sh

# The practice flow driven under Xvfb with xdotool, a screenshot after each
# step in SHOTS (default build/walkthrough): for a person to look at, not a
# test.
SHOTS ?= build/walkthrough
walkthrough: deps-gui
	scripts/walkthrough.sh $(SHOTS)

# Every fuzz target, one after the other, FUZZTIME each (make fuzz
# FUZZTIME=3m FUZZPARALLEL=2); the counts are in the output.
FUZZTIME ?= 2m
FUZZPARALLEL ?= 1
FUZZ_TARGETS := \
	batch:FuzzParseName batch:FuzzParseReply batch:FuzzSafeText batch:FuzzCutPoints batch:FuzzJournal \
	signer:FuzzLoadP12 signer:FuzzVerify signer:FuzzLineEndings \
	uploader:FuzzParseEndpoint uploader:FuzzUnzipReply uploader:FuzzKnownHosts uploader:FuzzStateFiles

fuzz:
	scripts/fuzz.sh $(FUZZTIME) $(FUZZPARALLEL) $(FUZZ_TARGETS)

clean:
	rm -rf bin dist build
