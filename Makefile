# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-guest-memfd: a downstream QEMU series and the harness that proves it.
# 'make' sets up, fetches, applies, builds (QEMU and libvirt) and shows the
# demo;
# 'make check' runs the whole test suite.  See README.rst.

SCRIPTS := scripts
RESULTS := build/results
STEP := $(SCRIPTS)/check-step.sh

.PHONY: all setup fetch apply build demo demo-linux check check-series check-qtests \
        check-harness check-nested bundle bench bench-tools export \
        check-bisect clean distclean fetch-libvirt apply-libvirt \
        build-libvirt check-libvirt export-libvirt

all: build build-libvirt demo

setup:
	$(SCRIPTS)/setup-host.sh

fetch: setup
	$(SCRIPTS)/fetch-upstream.sh > /dev/null

apply: fetch
	$(SCRIPTS)/apply-series.sh

build: apply
	$(SCRIPTS)/build.sh

demo: build
	$(SCRIPTS)/demo.sh

# The libvirt series (patches/libvirt) on the pinned libvirt of
# config/libvirt.env, and a minimal build of it in build/libvirt.
fetch-libvirt: setup
	$(SCRIPTS)/fetch-libvirt.sh > /dev/null

apply-libvirt: fetch-libvirt
	$(SCRIPTS)/apply-series.sh libvirt

build-libvirt: apply-libvirt
	$(SCRIPTS)/build-libvirt.sh

# A Linux guest on guest_memfd, inside the nested L1 guest (a few minutes).
demo-linux: bundle
	$(SCRIPTS)/run-nested.sh --demo-linux

# Every check writes TAP lines into $(RESULTS); the last step counts them all
# and prints the closing line.  The steps go on after a failure, so that one
# run reports everything.
check: build build-libvirt bench-tools
	rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(STEP) series $(SCRIPTS)/check-series.sh
	$(STEP) qtests $(SCRIPTS)/run-qtests.sh
	$(STEP) libvirt $(SCRIPTS)/test-libvirt.sh
	$(STEP) harness tests/run-harness-tests.sh
	$(STEP) bundle $(SCRIPTS)/bundle.sh
	$(STEP) nested $(SCRIPTS)/run-nested.sh
	$(SCRIPTS)/count-results.py $(RESULTS)/*.tap

check-series: apply
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-series.sh

check-qtests: build
	mkdir -p $(RESULTS)
	$(SCRIPTS)/run-qtests.sh

check-harness: apply
	mkdir -p $(RESULTS)
	tests/run-harness-tests.sh

check-libvirt: build-libvirt
	mkdir -p $(RESULTS)
	$(SCRIPTS)/test-libvirt.sh

# The nested suites include libvirt's (scripts/nested/suites/libvirt.*).
check-nested: bundle build-libvirt
	mkdir -p $(RESULTS)
	$(SCRIPTS)/run-nested.sh

bundle: build bench-tools
	$(SCRIPTS)/bundle.sh

# The benchmark (not a test): on this host's KVM, else in the nested guest.
bench: bundle
	$(SCRIPTS)/setup-host.sh --bench
	$(SCRIPTS)/run-bench.sh

# A static driver and a firmware-less guest, so that both run anywhere.
BENCH := build/bench
bench-tools: $(BENCH)/gmem-bench $(BENCH)/bench-guest.bin

$(BENCH)/gmem-bench: bench/gmem-bench.c
	mkdir -p $(BENCH)
	gcc -O2 -Wall -Wextra -static -o $@ $< -lm

$(BENCH)/bench-guest.bin: bench/bench-guest.S
	mkdir -p $(BENCH)
	gcc -nostdlib -static -Wl,-Ttext=0x7c00 -Wl,--build-id=none \
	    -Wl,-e,entry -o $(BENCH)/bench-guest.elf $<
	objcopy -O binary -j .text $(BENCH)/bench-guest.elf $@

# Developer loop: commit in build/src (build/libvirt-src), then write the
# commits to patches/qemu/ (patches/libvirt/).
export:
	$(SCRIPTS)/export-series.sh qemu

export-libvirt:
	$(SCRIPTS)/export-series.sh libvirt

# Slow, not part of check: build after each patch in turn.
check-bisect: apply
	$(SCRIPTS)/check-bisect.sh

clean:
	rm -rf build

distclean: clean
	rm -rf $${XDG_CACHE_HOME:-$$HOME/.cache}/qemu-guest-memfd
