# berth — build, install, test.
PREFIX ?= /usr/local
GO ?= go
BIN := bin/berth
GOFLAGS_BUILD := -trimpath -tags 'netgo osusergo' -ldflags '-s -w -extldflags -static'

.PHONY: all build install test unit test-root bench clean

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

clean:
	rm -rf bin
