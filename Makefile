# Expeditor: `make run` opens the app, `make test` runs every test.
# Both install the system packages they need first (Debian/Ubuntu; root or sudo).

export PATH := /usr/local/go/bin:$(PATH)
export GOTOOLCHAIN ?= auto
export CGO_ENABLED := 1
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/expeditor-be/expeditor/internal/version.Version=$(VERSION)

.PHONY: run test build bench fuzz package deps-run deps-test clean

run: deps-run build
	./bin/expeditor

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/expeditor ./cmd/expeditor

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

# The whole suite: formatting, vet, a cgo-free build of everything but the
# GUI (the PKCS#11 stub), and every test against real OpenSSL, SoftHSM2,
# vsftpd and sshd.
test: deps-test
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./batch/... ./signer/... ./uploader/... ./internal/...
	$(GO) test -count=1 -timeout 30m ./...

# The Linux archive and the Windows .exe (cross-built with mingw-w64) in dist/.
package:
	scripts/package.sh

# Speed and memory targets, measured (not asserted in tests).
bench: deps-test
	scripts/bench-sign.sh
	scripts/bench-upload.sh
	scripts/check-ftps.sh

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseName -fuzztime 30s ./batch/
	$(GO) test -run '^$$' -fuzz FuzzParseReply -fuzztime 30s ./batch/

clean:
	rm -rf bin dist
