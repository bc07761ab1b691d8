# berth — build, install, test.
PREFIX ?= /usr/local
GO ?= go
BIN := bin/berth
GOFLAGS_BUILD := -trimpath -tags 'netgo osusergo' -ldflags '-s -w -extldflags -static'

.PHONY: all build install test unit conformance bench clean

all: build

build:
	CGO_ENABLED=1 $(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/berth

# install puts the binary on PATH and creates the local busybox image from
# Debian's busybox-static (no public registry is reachable here).
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/berth
	./scripts/busybox-image.sh

# unit runs the tests that need no privileges.
unit:
	$(GO) test ./...

# test runs every test: unit and privileged (as root, with BERTH_TEST_ROOT=1).
test: build
	$(GO) vet ./...
	BERTH_TEST_ROOT=1 BERTH_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -p 1 -timeout 30m ./...
	$(MAKE) conformance

# conformance runs the OCI validation suite (runtime-tools v0.9.0) with runc
# and `berth runtime` side by side; it fails when berth fails a program that
# runc passes. Reports land in .work/oci.
conformance:
	BENCH_N=0 ./scripts/ci-oci.sh

# bench compares berth with its peers: the runtime alone (berth runtime, runc,
# crun) and whole runs (berth run vs docker run), interleaved; ratios only.
bench: build
	./scripts/bench-runtime.sh
	./scripts/bench-run.sh
	./scripts/bench-network.sh
	./scripts/bench-pull.sh
	./scripts/bench-build.sh

clean:
	rm -rf bin
