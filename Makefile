# berth — build, install, test.
PREFIX ?= /usr/local
GO ?= go
BIN := bin/berth
GOFLAGS_BUILD := -trimpath -tags 'netgo osusergo' -ldflags '-s -w -extldflags -static'

.PHONY: all build install test test-beside test-race unit conformance bench fuzz figures clean

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

# test runs every test: unit and privileged (as root, with BERTH_TEST_ROOT=1),
# then the integration suite again with race-detecting daemons.
test: build
	$(GO) vet ./...
	BERTH_TEST_ROOT=1 BERTH_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -p 1 -timeout 30m ./...
	$(MAKE) test-beside
	$(MAKE) conformance
	$(MAKE) test-race

# NETTESTS are the integration tests of networking (and of what needs it:
# builds that run apt, compose projects); test-beside runs them a second
# time beside Debian's dockerd started first (FORWARD policy DROP,
# br_netfilter, its chains), and a third time on a host whose nftables
# forward chain drops by default (as ufw and firewalld leave it).
NETTESTS := TestNetwork|TestNameFiles|TestBuildCowsay|TestCompose1|TestSDKNetworks
# CNITESTS are the CRI's pods on CNI networks: beside dockerd too (the CNI
# firewall plugin lets them through its FORWARD policy), not beside a drop
# policy in another table, which CNI plugins leave to the host's firewall
# (as under containerd; README, "Kubernetes (CRI)").
CNITESTS := TestCRIPodNetwork
test-beside: build
	BERTH_TEST_BESIDE=docker BERTH_TEST_ROOT=1 BERTH_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 20m -run '$(NETTESTS)|$(CNITESTS)' ./integration
	BERTH_TEST_BESIDE=dropfw BERTH_TEST_ROOT=1 BERTH_BINARY=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 20m -run '$(NETTESTS)' ./integration

# test-race runs the integration suite with its daemons built with the race
# detector (the daemon runs the plain binary as monitor, runtime, --init and
# CLI: --helper-binary); a test fails when its daemon's log reports a data
# race (the harness reads it).
RACE_BIN := bin/berth-race
test-race: build
	CGO_ENABLED=1 $(GO) build -race -trimpath -tags 'netgo osusergo' -ldflags '-extldflags -static' -o $(RACE_BIN) ./cmd/berth
	BERTH_TEST_ROOT=1 BERTH_BINARY=$(CURDIR)/$(BIN) BERTH_DAEMON_BINARY=$(CURDIR)/$(RACE_BIN) $(GO) test -count=1 -timeout 60m ./integration

# conformance runs the OCI validation suite (runtime-tools v0.9.0) with runc
# and `berth runtime` side by side; it fails when berth fails a program that
# runc passes. Reports land in .work/oci.
conformance:
	BENCH_N=0 ./scripts/ci-oci.sh

# bench runs every benchmark script (scripts/bench-*.sh), each comparing
# berth with its peers interleaved in one run, and prints one table of
# medians, p90s, ratios and issue 15's targets, dated, with the machine;
# written to bench/results/<date>.md too (scripts/bench-all.sh).
bench: build
	./scripts/bench-all.sh

# fuzz runs each native Go fuzz target for FUZZ_N inputs (10^6 by default;
# minutes per target, as root for FuzzApply's device nodes). Seeds live in
# each package's testdata/fuzz/<target>/; a crasher found is written there.
# The targets' scratch directories go to FUZZ_TMP (tmpfs: FuzzApply is ten
# times faster there than on disk).
FUZZ_N ?= 1000000
FUZZ_TMP ?= /dev/shm
FUZZ_TARGETS = \
	FuzzCleanEntryName:./internal/archive \
	FuzzApply:./internal/archive \
	FuzzBuild:./internal/builder/dockerfile \
	FuzzParse:./internal/reference \
	FuzzCreateDecode:./internal/server/router/container

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t%%:*} ($(FUZZ_N) inputs)"; \
		TMPDIR=$(FUZZ_TMP) go test -timeout 0 -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZ_N)x -fuzzminimizetime 100x "$${t#*:}"; \
	done

# figures prints the size limits the house keeps (packages under 3,000
# lines of non-test code, functions under 120) and, where the `duplicates`
# command is installed, the pairs of places under internal/ that repeat.
figures:
	$(GO) run ./scripts/housefig

clean:
	rm -rf bin
