# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-guest-memfd: a downstream QEMU series and the harness that proves it.
# 'make' sets up, fetches, applies, builds (QEMU and libvirt) and shows the
# demo;
# 'make check' runs the whole test suite.  See README.rst.

SCRIPTS := scripts
STEP := $(SCRIPTS)/check-step.sh
# A path of config/harness.env, the one home of the harness's paths.
harness-path = $(shell top='$(CURDIR)' && . config/harness.env && echo "$$$(1)")
RESULTS := $(call harness-path,QGM_RESULTS)
BENCH := $(call harness-path,QGM_BENCH_BUILD)

.PHONY: all setup fetch apply build demo demo-linux check check-series check-qtests \
        apply-10.0 build-10.0 check-10.0 check-quilt deb check-deb check-clients \
        deb-version repo check-repo deb-status \
        build-nokvm-10.0 check-nokvm-10.0 check-bisect-10.0 \
        check-interface setup-cross build-nokvm check-nokvm check-cross \
        check-harness check-nested bundle bench bench-tools export \
        check-bisect check-bisect-libvirt clean distclean apply-libvirt \
        nested-suite check-lockstep check-docs check-docs-10.0 check-stop-point check-stop-point-10.0 \
        build-libvirt build-libvirt-stock check-libvirt export-libvirt \
        libvirt-caps

all: build build-libvirt demo

setup:
	$(SCRIPTS)/setup-host.sh

# Every pin is checked before anything is downloaded; what is already in the
# download cache is used without asking the archive.
fetch: setup
	$(SCRIPTS)/fetch-source.sh --check qemu
	$(SCRIPTS)/fetch-source.sh --check qemu-10.0
	$(SCRIPTS)/fetch-source.sh --check libvirt
	$(SCRIPTS)/fetch-l1-kernel.sh --check
	$(SCRIPTS)/fetch-source.sh qemu
	$(SCRIPTS)/fetch-source.sh qemu-10.0
	$(SCRIPTS)/fetch-source.sh libvirt
	$(SCRIPTS)/fetch-l1-kernel.sh

apply: fetch
	$(SCRIPTS)/apply-series.sh

build: apply
	$(SCRIPTS)/build.sh

# QEMU without KVM (TCG only, the KVM stub), in build/qemu-nokvm.
build-nokvm: apply
	$(SCRIPTS)/build.sh --nokvm

# The same series on Debian 13's QEMU 10.0.13 (patches/qemu-10.0), in its
# own trees: build/src-10.0, build/qemu-10.0 (config/harness.env).
Q10 := env QGM_QEMU_SERIES=qemu-10.0

apply-10.0: fetch
	$(Q10) $(SCRIPTS)/apply-series.sh

build-10.0: apply-10.0
	$(Q10) $(SCRIPTS)/build.sh

build-nokvm-10.0: apply-10.0
	$(Q10) $(SCRIPTS)/build.sh --nokvm

# The cross compilers and multiarch libraries of config/cross-builds.
setup-cross:
	$(SCRIPTS)/setup-host.sh --cross

# Where this host's KVM cannot run the demo, it runs in the nested guest,
# from the test bundle: hence bench-tools.
demo: build bench-tools
	$(SCRIPTS)/demo.sh

# The libvirt series (patches/libvirt) on the pinned libvirt of
# config/libvirt.env, and a minimal build of it in build/libvirt.
apply-libvirt: fetch
	$(SCRIPTS)/apply-series.sh libvirt

build-libvirt: apply-libvirt
	$(SCRIPTS)/build-libvirt.sh

# Stock libvirt 11.3.0 (virtqemud and its QEMU driver, no series), which
# the nested libvirt suite runs over a domain of ours: a downgrade.
build-libvirt-stock: apply-libvirt
	$(SCRIPTS)/build-libvirt.sh --stock

# libvirt's capability probe of our QEMU on KVM in the nested L1 guest: the
# data of the libvirt series' tests (see README, With libvirt).
libvirt-caps: bundle build-libvirt build-libvirt-stock
	$(SCRIPTS)/run-nested.sh --libvirt-caps

# One nested suite alone, on every L1 kernel, without the bundle's tests:
# for working on a suite (make nested-suite SUITE=libvirt).
nested-suite: bundle build-libvirt build-libvirt-stock
	$(SCRIPTS)/run-nested.sh --suite $(SUITE)

# A Linux guest on guest_memfd, inside the nested L1 guest (a few minutes).
demo-linux: bundle
	$(SCRIPTS)/run-nested.sh --demo-linux

# Every check writes TAP lines into $(RESULTS); the last step counts them all
# and prints the closing line.  The nested KVM suite runs in the background
# from the start (one TCG thread: one of the two cores) while the other
# steps use the other core; the 10.0 series' nested run follows it.  The
# harness's tests come last before it: their demo run waits for the nested
# runs of the same tree.  The steps go on after a failure, so that one
# run reports everything: the no-KVM and cross builds are steps, so that
# code that compiles only with KVM fails there, not the whole check.
check: build build-libvirt build-libvirt-stock bench-tools setup-cross apply-10.0
	rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(STEP) bundle $(SCRIPTS)/bundle.sh
	$(STEP) --background nested $(SCRIPTS)/run-nested.sh
	$(STEP) series $(SCRIPTS)/check-series.sh
	$(STEP) quilt $(SCRIPTS)/check-quilt.sh
	$(STEP) lockstep $(SCRIPTS)/check-lockstep.sh
	$(STEP) docs $(SCRIPTS)/check-docs.sh
	$(STEP) qtests $(SCRIPTS)/run-qtests.sh
	$(STEP) build-nokvm $(SCRIPTS)/build.sh --nokvm
	$(STEP) nokvm $(SCRIPTS)/check-nokvm.sh
	$(STEP) interface $(SCRIPTS)/check-interface.sh
	$(STEP) stop-point $(SCRIPTS)/check-stop-point.sh
	$(STEP) cross $(SCRIPTS)/check-cross.sh
	$(STEP) libvirt $(SCRIPTS)/test-libvirt.sh
	$(STEP) series-10.0 $(Q10) $(SCRIPTS)/check-series.sh
	$(STEP) build-10.0 $(Q10) $(SCRIPTS)/build.sh
	$(STEP) qtests-10.0 $(Q10) $(SCRIPTS)/run-qtests.sh
	$(STEP) interface-10.0 $(Q10) $(SCRIPTS)/check-interface.sh
	$(STEP) bundle-10.0 $(Q10) $(SCRIPTS)/bundle.sh
	$(STEP) harness tests/run-harness-tests.sh
	$(STEP) --wait nested
	$(STEP) nested-10.0 $(Q10) $(SCRIPTS)/run-nested.sh
	$(SCRIPTS)/count-results.py $(RESULTS)/*.tap

check-series: apply
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-series.sh

# Every series as quilt patches on top of Debian's own, in Debian's source
# packages (the tree 'make deb' builds), with no fuzz.
check-quilt: fetch
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-quilt.sh

# The 10.0 series as make check runs it: its patches, its qtests, its
# interface, and its KVM suite in the nested L1 guests.
check-10.0: build-10.0 build bench-tools
	mkdir -p $(RESULTS)
	$(Q10) $(SCRIPTS)/check-series.sh
	$(Q10) $(SCRIPTS)/run-qtests.sh
	$(Q10) $(SCRIPTS)/check-interface.sh
	$(Q10) $(SCRIPTS)/bundle.sh
	$(Q10) $(SCRIPTS)/run-nested.sh

# The 10.0 port against the main series, patch by patch, after the recorded
# differences of config/qemu-10.0-lockstep (and .d/): any other is a failure.
check-lockstep:
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-lockstep.sh

# QEMU's manuals with Sphinx, warnings as errors, as upstream builds them
# (the QEMU builds have --disable-docs): build/qemu-docs, nothing compiled.
# make check builds the main series' docs; the 10.0 port's, which the
# lockstep check keeps equal to them, with check-docs-10.0.
check-docs: apply
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-docs.sh

check-docs-10.0: apply-10.0
	mkdir -p $(RESULTS)
	$(Q10) $(SCRIPTS)/check-docs.sh

check-qtests: build
	mkdir -p $(RESULTS)
	$(SCRIPTS)/run-qtests.sh

# The series at its stop point (the '# stop point:' line of its series
# file, where upstream's interface and behaviour end): that commit of
# build/src in a clone of its own, built with and without KVM in
# build/stop, the interface check on both, the no-KVM refusal and the
# qtests of config/stop-point-tests.list.  make check runs the main
# series'; the 10.0 series' two more QEMU builds would push a cold make
# check past an hour (README: Other targets).
check-stop-point: apply
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-stop-point.sh

check-stop-point-10.0: apply-10.0
	mkdir -p $(RESULTS)
	$(Q10) $(SCRIPTS)/check-stop-point.sh

# Our QEMU's interface against upstream's (config/upstream-interface.json).
check-interface: build
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-interface.sh

# The series' tests (config/kvm-tests.list) on QEMU without KVM.
check-nokvm: build-nokvm
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-nokvm.sh

# The same for the 10.0 series: not in 'make check', whose time another
# cold QEMU build would push past an hour on a fresh machine.
check-nokvm-10.0: build-nokvm-10.0
	mkdir -p $(RESULTS)
	$(Q10) $(SCRIPTS)/check-nokvm.sh

# The cross builds of config/cross-builds: they compile, nothing runs.
check-cross: setup-cross apply
	mkdir -p $(RESULTS)
	$(SCRIPTS)/check-cross.sh

check-harness: build bench-tools
	mkdir -p $(RESULTS)
	tests/run-harness-tests.sh

check-libvirt: build-libvirt
	mkdir -p $(RESULTS)
	$(SCRIPTS)/test-libvirt.sh

# The nested suites include libvirt's (scripts/nested/suites/libvirt.*).
check-nested: bundle build-libvirt build-libvirt-stock
	mkdir -p $(RESULTS)
	$(SCRIPTS)/run-nested.sh

bundle: build bench-tools
	$(SCRIPTS)/bundle.sh

# The benchmark (not a test): on this host's KVM, else in the nested guest.
bench: bundle
	$(SCRIPTS)/setup-host.sh --bench
	$(SCRIPTS)/run-bench.sh

# A static driver and a firmware-less guest, so that both run anywhere.
bench-tools: $(BENCH)/gmem-bench $(BENCH)/bench-guest.bin

$(BENCH)/gmem-bench: bench/gmem-bench.c $(BENCH)/bench-guest-syms.h
	gcc -O2 -Wall -Wextra -static -I$(BENCH) -o $@ $< -lm

$(BENCH)/bench-guest.elf: bench/bench-guest.S
	mkdir -p $(BENCH)
	gcc -nostdlib -static -Wl,-Ttext=0x7c00 -Wl,--build-id=none \
	    -Wl,-e,entry -o $@ $<

$(BENCH)/bench-guest.bin: $(BENCH)/bench-guest.elf
	objcopy -O binary -j .text $< $@

# The guest's absolute symbols (port, markers, fill start) as SYM_ defines.
$(BENCH)/bench-guest-syms.h: $(BENCH)/bench-guest.elf
	nm $< | awk '$$2 == "A" { print "#define SYM_" $$3 " 0x" $$1 }' > $@

# Debian 13's qemu and libvirt source packages with our series in
# debian/patches, built in a clean trixie root, lintian on the result:
# build/deb/out/ (config/deb.env; 60-75 minutes, not part of check).
deb: fetch
	$(SCRIPTS)/setup-host.sh --deb
	$(SCRIPTS)/build-deb.sh

# Record the next version of each package whose series or packaging
# changed (config/deb-versions; commit it): make deb refuses to build a
# recorded version from other inputs.
deb-version:
	$(SCRIPTS)/deb-version.sh record

# The signed apt repository of what make deb built, with the metapackage
# qemu-guest-memfd-host (keyring, .sources, pin): build/repo
# (config/repo.env).
repo:
	$(SCRIPTS)/setup-host.sh --deb
	$(SCRIPTS)/make-repo.sh

# The repository used as an operator would, in a clean trixie root: apt
# with the keyring and no trusted=yes, the pin against a synthetic Debian
# update, the metapackage making a replacement visible, a host with
# Debian's qemu-system-arm (apt only, no KVM; about 10 minutes).
check-repo:
	$(SCRIPTS)/setup-host.sh --deb
	$(SCRIPTS)/check-repo.sh

# Our pins against what Debian offers today (trixie, its proposed updates
# and security): fails, naming the newer version, when we lag.
deb-status:
	$(SCRIPTS)/deb-status.sh

# Those packages installed with apt into a clean trixie root and used on
# real KVM in the nested L1 guest: define, start, downgrade to Debian's and
# upgrade back (about 10 minutes, not part of check).
check-deb: bundle
	$(SCRIPTS)/setup-host.sh --deb
	$(SCRIPTS)/check-deb.sh

# Real clients on that host: virtiofs (Debian's virtiofsd, refused with
# guestMemfd='yes'), a vhost-user interface served by Debian's passt, a
# live migration between two libvirtd of ours, Debian's own libvirtd
# refusing one (about 12 minutes, not part of check).
check-clients: bundle
	$(SCRIPTS)/setup-host.sh --deb
	$(SCRIPTS)/check-clients.sh

# Developer loop: commit in build/src (build/libvirt-src), then write the
# commits to patches/qemu/ (patches/libvirt/).
export:
	$(SCRIPTS)/export-series.sh qemu

export-libvirt:
	$(SCRIPTS)/export-series.sh libvirt

# Slow, not part of check: build after each patch in turn.
check-bisect: apply
	$(SCRIPTS)/check-bisect.sh

check-bisect-10.0: apply-10.0
	$(Q10) $(SCRIPTS)/check-bisect.sh

# The same for the libvirt series: build and run its tests after each patch.
check-bisect-libvirt: build-libvirt
	$(SCRIPTS)/check-bisect-libvirt.sh

clean:
	rm -rf $(call harness-path,QGM_BUILD)

distclean: clean
	rm -rf $(call harness-path,QGM_CACHE)
