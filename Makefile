# SPDX-License-Identifier: GPL-2.0
#
# ptp-pure: build the modules for one kernel, and run the project's checks.
#
#   make [KDIR=/lib/modules/$(uname -r)/build]   modules for one kernel
#   make unit                                    libcheck unit tests
#   make matrix [SERIES="5.10 6.1 6.12 7 s390x ..."] -Werror builds on each kernel
#   make sparse                                  sparse (C=1) on 6.1
#   make style                                   checkpatch + kernel-doc
#   make vmtest [SERIES=...]                     tests in QEMU guests (after matrix)
#   make kvmtest [SERIES=...]                    tests under a real KVM nested in TCG
#   make demo [SERIES=6.12]                      guest + emulated vmclock + chrony
#   make bench [ROUNDS=10] [BOOTS=3]             ours vs in-tree ptp_vmclock (7.x):
#                                                wall time, then bench-insn
#   make bench-insn [INSN_N=200] [INSN_ROUNDS=5] guest instructions per read (TCG plugin)
#   make stress [SERIES=...]                     core suite with 1000 load cycles
#   make vm [SERIES=6.1]                         a shell in a guest, modules loaded
#   make package                                 .deb and .rpm into $(PTP_PURE_BUILD)/packages
#   make package-test                            the packages in booted cloud images (root)
#   make check                                   everything CI runs (root)
#   make clean
#
# Downloaded kernels and chroots are cached in $(PTP_PURE_CACHE).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PTP_PURE_CACHE ?= /var/cache/ptp-pure
export PTP_PURE_CACHE

CONFTEST_DIR := $(CURDIR)/.conftest
CONFTEST_HDR := $(CONFTEST_DIR)/ptp_pure_config.h
CONFTEST_SRC := conftest/conftest.sh $(wildcard conftest/probes/*.c)

CC_UNIT ?= gcc
UNIT_CFLAGS := -std=gnu89 -O2 -g -Wall -Wextra -Werror -Wdeclaration-after-statement \
	-Iinclude $(shell pkg-config --cflags check 2>/dev/null)
UNIT_LIBS := $(shell pkg-config --libs check 2>/dev/null)
UNIT_TESTS := $(patsubst tests/unit/%.c,tests/unit/%.bin,$(wildcard tests/unit/test_*.c)) \
	tests/unit/test_math_halves.bin

GUEST_TOOLS := tests/guest/ptp_test tests/guest/vmclock_dev tests/guest/ptp_xts
# The same programs for s390x guests (tools/vm/run.sh takes tests/guest/s390x/NAME
# for tests/guest/NAME there); libcheck from `tools/kcache.sh check-s390x`.
GUEST_TOOLS_S390X := tests/guest/s390x/ptp_test tests/guest/s390x/ptp_xts
CC_S390X ?= s390x-linux-gnu-gcc

# The same programs for arm64 guests (tools/vm/run.sh takes tests/guest/aarch64/NAME
# for tests/guest/NAME there); libcheck from `tools/kcache.sh check-arm64`.
GUEST_TOOLS_ARM64 := tests/guest/aarch64/ptp_test tests/guest/aarch64/ptp_xts \
	tests/guest/aarch64/vmclock_dev
CC_ARM64 ?= aarch64-linux-gnu-gcc

.PHONY: all modules conftest unit matrix sparse style vmtest kvmtest stress bench bench-insn demo vm \
	guest-tools guest-tools-s390x guest-tools-arm64 check clean package package-test

all: modules

# The probe results depend on the kernel: rerun them whenever KDIR changes.
$(CONFTEST_DIR)/kdir.$(subst /,_,$(KDIR)): $(CONFTEST_SRC)
	@test -f $(KDIR)/Makefile || { echo "No kernel build tree at KDIR=$(KDIR):" \
		"install the headers of the running kernel or pass KDIR=/path/to/headers" >&2; exit 1; }
	@mkdir -p $(CONFTEST_DIR)
	@rm -f $(CONFTEST_DIR)/kdir.*
	@echo "  CONFTEST $(KDIR)"
	@sh conftest/conftest.sh $(KDIR) $(CONFTEST_DIR)
	@touch $@

conftest: $(CONFTEST_DIR)/kdir.$(subst /,_,$(KDIR))

modules: conftest
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do ./$$t; done

tests/unit/%.bin: tests/unit/%.c $(wildcard include/*.h)
	$(CC_UNIT) $(UNIT_CFLAGS) -o $@ $< $(UNIT_LIBS)

# The same tests on the arithmetic for architectures without __int128
tests/unit/test_math_halves.bin: tests/unit/test_math.c $(wildcard include/*.h)
	$(CC_UNIT) $(UNIT_CFLAGS) -DPTP_PURE_NO_INT128 -o $@ $< $(UNIT_LIBS)

matrix:
	tools/matrix.sh $(SERIES)

# Static test programs copied into the guests.
guest-tools: $(GUEST_TOOLS)

tests/guest/%: tests/guest/%.c tests/guest/phc_util.h
	$(CC_UNIT) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
		$(shell pkg-config --cflags check 2>/dev/null) -lcheck -lrt -lm -lsubunit -pthread

guest-tools-s390x: $(GUEST_TOOLS_S390X)

tests/guest/s390x/%: tests/guest/%.c tests/guest/phc_util.h
	@mkdir -p $(@D)
	eval "$$(tools/kcache.sh check-s390x)" && \
	$(CC_S390X) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
		-I$$CHECK_S390X/usr/include -L$$CHECK_S390X/usr/lib/s390x-linux-gnu \
		-lcheck -lrt -lm -lsubunit -pthread

guest-tools-arm64: $(GUEST_TOOLS_ARM64)

tests/guest/aarch64/%: tests/guest/%.c tests/guest/phc_util.h
	@mkdir -p $(@D)
	eval "$$(tools/kcache.sh check-arm64)" && \
	$(CC_ARM64) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
		-I$$CHECK_ARM64/usr/include -L$$CHECK_ARM64/usr/lib/aarch64-linux-gnu \
		-lcheck -lrt -lm -lsubunit -pthread

# Boot every kernel of the matrix in QEMU and run the suites of tests/guest
# (modules from the matrix build, so run `make matrix` first).
vmtest: guest-tools guest-tools-s390x guest-tools-arm64 bench/ptp_bench bench/aarch64/ptp_bench
	tools/vmtest.sh $(SERIES)

# tests/guest/kvm-nested: the guest runs under a real KVM that a TCG guest
# (L1) provides (tools/vm/nested.sh); modules from the matrix build.
# kvm-nested-smp (two L2 vCPUs) and kvm-nested-hpet (L1 on hpet: the host
# refuses clock pairing) run on 6.1 and 7 only (their vm.conf).
kvmtest: guest-tools
	tools/vm/vmtest.sh --tests tests/guest/kvm-nested --tests tests/guest/kvm-nested-smp \
		--tests tests/guest/kvm-nested-hpet $(SERIES)

# The core suite with 1000 load/unload cycles instead of 200.
stress: guest-tools
	tools/vm/vmtest.sh --tests tests/guest/core --append ptptest.cycles=1000 \
		--timeout 900 --test-timeout 800 $(SERIES)

# The first command for a newcomer: a guest with an emulated vmclock, our
# driver and chronyd locked to it.
demo:
	tools/deps.sh
	demo/run.sh $(SERIES)

# ptp_pure_vmclock against the in-tree ptp_vmclock on 7.x: wall-time ratios
# (bench/run.sh), then guest instructions per read (bench/insn.sh)
bench: guest-tools bench/ptp_bench
	tools/matrix.sh 7
	bench/run.sh $(or $(ROUNDS),10) $(or $(BOOTS),3)
	bench/insn.sh $(or $(INSN_N),200) $(or $(INSN_ROUNDS),5)

# Only the instruction counts: one boot with one vCPU and the TCG plugin
bench-insn: guest-tools bench/ptp_bench
	tools/matrix.sh 7
	bench/insn.sh $(or $(INSN_N),200) $(or $(INSN_ROUNDS),5)

bench/ptp_bench: bench/ptp_bench.c tests/guest/phc_util.h bench/insn/insn_mark.h
	$(CC_UNIT) -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o $@ $<

# For the arm64 side-by-side run (bench/guest-arm64).
bench/aarch64/ptp_bench: bench/ptp_bench.c tests/guest/phc_util.h bench/insn/insn_mark.h
	@mkdir -p $(@D)
	$(CC_ARM64) -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -o $@ $<

# A shell in a guest with the modules, for debugging: make vm SERIES=6.1
vm: guest-tools
	tools/vm/run.sh --series $(or $(SERIES),6.1) --tests tests/guest/core \
		--file tests/guest/ptp_test:/usr/bin/ptp_test --interactive

sparse:
	tools/sparse.sh

# Both packages into one directory (tools/package.sh -o DIR to choose it).
package:
	tools/package.sh

# The packages installed and booted as a cloud image would (tools/package-test.sh).
package-test:
	tools/package-test.sh

style:
	tools/style.sh

check:
	tools/check.sh

clean:
	rm -rf $(CONFTEST_DIR) $(UNIT_TESTS) $(GUEST_TOOLS) $(GUEST_TOOLS_S390X) $(GUEST_TOOLS_ARM64) bench/ptp_bench bench/aarch64/ptp_bench
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		find . \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
			-o -name '.*.cmd' -o -name '*.order' -o -name '*.symvers' \) -delete
