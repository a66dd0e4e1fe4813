#!/bin/bash
# Boot one test guest (Debian kernel + our modules in an initramfs) and judge it.
#
# Usage: run.sh --series S [--modules DIR] [--tests DIR] [options]
#   --series S          kernel series for tools/kcache.sh image: 5.10 6.1 6.12 7 s390x
#                       arm64-6.1 arm64-6.12 arm64-7
#   --modules DIR|none  our built modules (DIR/*.ko), put in /lib/modules/KREL/extra;
#                       default: the build matrix output $BUILD/<KREL>/src
#   --load all|none|LIST  which of them /init loads before the tests (default none:
#                       tests modprobe with their own parameters; all with --interactive)
#   --tests DIR         test suite: executables NN-name, optional DIR/vm.conf
#   --timeout N         bound for the whole boot in seconds (default 120;
#                       3600 with --interactive)
#   --test-timeout N    bound for each test inside the guest (default 60)
#   --qemu-arg ARG      extra QEMU argument; repeatable
#   --append ARG        extra kernel command-line argument; repeatable
#   --machine M         x86 machine (default q35), e.g. "pc,vmport=on"
#   --mem MB, --smp N   guest size (default 512, 2)
#   --qemu PATH|qemu10  the QEMU binary (default qemu-system-x86_64 or
#                       qemu-system-s390x from PATH); qemu10: QEMU >= 10 of
#                       bookworm-backports, unpacked into the cache by
#                       `tools/kcache.sh qemu10` (never installed); when it cannot
#                       be had, the suite is one SKIP line with the reason
#   --qemu-data DIR     firmware/data directory for that QEMU (-L DIR); repeatable
#   --accel auto|kvm|tcg  default auto: KVM if a probe boot works (cached per host boot)
#   --boot auto|pvh|bzimage  x86: boot the extracted vmlinux via PVH (auto, much
#                       faster under TCG) or the compressed bzImage
#   --dtb-add FILE      arm64: devicetree source text added to QEMU's own
#                       devicetree (dumped with -machine dumpdtb, dtc), booted with -dtb
#   --with-chrony       add chronyd/chronyc to the guest
#   --kmod NAME, --file SRC:DEST, --elf SRC[:DEST], --overlay DIR, --compress gzip|none
#                       passed to mkinitramfs.sh
#   --host-cmd CMD      run `bash -c CMD` on the host while the guest runs (killed after)
#   --allow-log ERE     kernel-log lines matching ERE do not fail the run; repeatable
#   --name NAME         log name (default: basename of --tests); --label TEXT summary label
#   --log FILE          log path (default $BUILD/logs/<series>-<name>.log)
#   --interactive       busybox shell on this terminal after loading the modules
#                       (Ctrl-A x quits QEMU)
#   --verbose           stream the guest's results channel while it runs
#   --keep              keep the run directory (initrd, raw logs)
#   --nested-kvm        boot the guest (L2) under a real KVM nested in a TCG guest
#                       (L1, kernel series $PTP_PURE_NESTED_L1, default 6.1) run by
#                       QEMU 10; details in tools/vm/nested.sh
#   --l1-append ARG     extra kernel argument for L1 (--nested-kvm); repeatable
#   --l1-cmd FILE       script L1 runs beside L2, with L2's monitor (--nested-kvm)
# In --qemu-arg, --append, --host-cmd, --file, --elf and --overlay, @RUNDIR@ is the
# per-run temporary directory and @SUITE@ the absolute --tests directory.
# vm.conf in the test suite: one option per line without the leading "--"
# ("qemu-arg -device", "append memmap=4K$0xfeffb000", "with-chrony", "series 6.1 7",
# "timeout 300", "qemu qemu10"); "series" limits the suite to the listed series
# (else all SKIP).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=nested.sh
. "$VM_DIR/nested.sh"

SERIES='' MODDIR='' TESTS='' TIMEOUT='' TT=60 MACHINE=q35 MEM=512 SMP=2 ACCEL=${PTP_PURE_ACCEL:-auto}
LOAD='' BOOT=auto CHRONY=0 INTERACTIVE=0 VERBOSE=0 KEEP=0 NAME='' LABEL='' LOG='' HOST_CMD='' SUITE_SERIES=''
QEMU='' QEMU_ARGS=() QEMU_DATA=() APPEND=() MK_ARGS=() ALLOW=() NESTED=0 DTB_ADD=
KVM_PROBE_TIMEOUT=${PTP_PURE_KVM_PROBE_TIMEOUT:-20}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

# parse_opt NAME [VALUE]: apply one option; returns the number of words used.
parse_opt() {
	local opt=$1 val=${2-}
	case $opt in
	with-chrony) CHRONY=1; return 1 ;;
	interactive) INTERACTIVE=1; return 1 ;;
	verbose) VERBOSE=1; return 1 ;;
	keep) KEEP=1; return 1 ;;
	nested-kvm) NESTED=1; return 1 ;;
	h | help) usage 0 ;;
	esac
	[[ $# == 2 ]] || die "--$opt needs an argument"
	case $opt in
	series) SERIES=$val ;;
	modules) MODDIR=$val ;;
	tests) TESTS=$val ;;
	timeout) TIMEOUT=$val ;;
	test-timeout) TT=$val ;;
	qemu-arg) QEMU_ARGS+=("$val") ;;
	qemu) QEMU=$val ;;
	qemu-data) QEMU_DATA+=(-L "$val") ;;
	append) APPEND+=("$val") ;;
	machine) MACHINE=$val ;;
	mem) MEM=$val ;;
	smp) SMP=$val ;;
	accel) ACCEL=$val ;;
	boot) BOOT=$val ;;
	load) LOAD=$val ;;
	kmod | file | elf | overlay | compress) MK_ARGS+=("--$opt" "$val") ;;
	host-cmd) HOST_CMD=$val ;;
	allow-log) ALLOW+=(--allow-log "$val") ;;
	name) NAME=$val ;;
	label) LABEL=$val ;;
	log) LOG=$val ;;
	l1-append) L1_APPEND+=("$val") ;;
	l1-cmd) L1_CMD=$val ;;
	dtb-add) DTB_ADD=$val ;;
	*) die "unknown option --$opt (see --help)" ;;
	esac
	return 2
}

parse_args() {
	local n
	while (($#)); do
		[[ $1 == --* ]] || die "unexpected argument: $1"
		if (($# >= 2)) && [[ $2 != --* || $1 =~ ^--(qemu-arg|append)$ ]]; then
			parse_opt "${1#--}" "$2" && n=0 || n=$?
		else
			parse_opt "${1#--}" && n=0 || n=$?
		fi
		shift "$n"
	done
}

# read_suite_conf FILE: vm.conf lines are options without "--"; "series" is special.
read_suite_conf() {
	local key val
	while read -r key val || [[ -n $key ]]; do
		[[ -z $key || $key == \#* ]] && continue
		if [[ $key == series ]]; then
			SUITE_SERIES=$val
		elif [[ -n $val ]]; then
			parse_opt "$key" "$val" || true
		else
			parse_opt "$key" || true
		fi
	done <"$1"
}

find_tests_arg() {
	while (($# >= 2)); do
		[[ $1 != --tests ]] || { echo "$2"; return; }
		shift
	done
}

subst() {
	local s=${1//@RUNDIR@/$RUNDIR}
	echo "${s//@SUITE@/$TESTS}"
}

# arch_file SPEC: a --file SRC:DEST for a guest that is not x86_64 takes
# DIR/ARCH/NAME instead of SRC=DIR/NAME when that exists (the cross-built
# static test programs, e.g. tests/guest/s390x/ptp_test).
arch_file() {
	local src=${1%%:*} alt=
	[[ $ARCH == x86_64 || $1 != *:* ]] || alt=${src%/*}/$ARCH/${src##*/}
	if [[ -n $alt && -f $alt ]]; then
		echo "$alt:${1#*:}"
	else
		echo "$1"
	fi
}

# ---------------------------------------------------------------- kernel image

# pvh_kernel VMLINUZ: prints a cached uncompressed vmlinux with a PVH entry note,
# or nothing. Under TCG the in-guest decompression of an XZ bzImage costs ~4.5 s.
pvh_kernel() {
	local z=$1 out off magic tmp
	out=$VM_CACHE/vmlinux/$(basename "$z")-$(sha256sum <"$z" | cut -c1-16).elf
	tmp=$out.$$
	if [[ -s $out ]]; then
		echo "$out"
		return
	fi
	[[ -f $out.nopvh ]] && return
	mkdir -p "${out%/*}"
	note "extracting vmlinux from $(basename "$z") for PVH boot (once per kernel)"
	# Same approach as the kernel's scripts/extract-vmlinux: try each magic.
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$z" | cut -d: -f1 | head -n 3); do
			tail -c +$((off + 1)) "$z" | ${magic#*:} >"$tmp" 2>/dev/null || true
			# XEN_ELFNOTE_PHYS32_ENTRY (0x12) is the PVH entry point.
			if [[ $(head -c 4 "$tmp") == $'\x7fELF' ]] &&
				readelf -n "$tmp" 2>/dev/null | grep -q '(0x00000012)'; then
				atomic_mv "$tmp" "$out"
				echo "$out"
				return
			fi
		done
	done
	rm -f "$tmp"
	touch "$out.nopvh"
	note "no PVH-capable vmlinux in $(basename "$z"); booting the bzImage (slower)"
}

boot_kernel() {
	local k=
	if [[ $ARCH == x86_64 && $BOOT != bzimage ]]; then
		k=$(pvh_kernel "$VMLINUZ")
		[[ -n $k || $BOOT == auto ]] || die "--boot pvh: no PVH vmlinux for $KREL"
	fi
	echo "${k:-$VMLINUZ}"
}

# ---------------------------------------------------------------- QEMU command

# qemu_base ACCEL CONSOLE_CHARDEV...: QEMU command for $ARCH into array Q.
# Channel 1 is the kernel console, channel 2 (if given) the results channel.
qemu_base() {
	local accel=$1
	shift
	case $ARCH in
	x86_64)
		Q=("${QEMU:-qemu-system-x86_64}" -machine "$MACHINE")
		# TCG with one thread for all vCPUs: x86 kernels patch their own
		# code while other CPUs run it (text_poke with int3, e.g. at the
		# switch to the tsc clocksource), and multi-threaded TCG lets a
		# vCPU run a stale translation of the patched bytes ("Oops: int3"
		# in a kernel with no module of ours).  Round-robin TCG runs one
		# vCPU at a time, so every vCPU sees a patch whole.
		if [[ $accel == kvm ]]; then Q+=(-accel kvm -cpu host); else Q+=(-accel "tcg,thread=single" -cpu max); fi
		Q+=(-chardev "$1" -device "isa-serial,chardev=c0")
		[[ -z ${2-} ]] || Q+=(-chardev "$2" -device "isa-serial,chardev=c1")
		CONSOLE=ttyS0 OUTDEV=/dev/ttyS1
		;;
	s390x)
		Q=("${QEMU:-qemu-system-s390x}" -machine s390-ccw-virtio -accel tcg -cpu max)
		# Kernel console on the SCLP line-mode console ("ttyS0" on s390x), results
		# on the VT220 one: output to the line-mode tty is lost at power-off.
		Q+=(-chardev "$1" -device "sclplmconsole,chardev=c0")
		[[ -z ${2-} ]] || Q+=(-chardev "$2" -device "sclpconsole,chardev=c1")
		CONSOLE=ttyS0 OUTDEV=/dev/ttysclp0
		;;
	aarch64)
		# -M virt has one PL011 UART: the kernel console.  The results go to
		# a virtio console (hvc0; /init loads virtio_mmio/virtio_console
		# where they are modules).  pauth-impdef: QARMA costs TCG dearly.
		Q=("${QEMU:-qemu-system-aarch64}" -machine "${MACHINE/#q35/virt}" -accel tcg -cpu "max,pauth-impdef=on")
		Q+=(-chardev "$1" -serial chardev:c0)
		[[ -z ${2-} ]] || Q+=(-chardev "$2" -device virtio-serial-device -device "virtconsole,chardev=c1")
		CONSOLE=ttyAMA0 OUTDEV=/dev/hvc0
		;;
	esac
	if [[ -z $QEMU ]]; then
		command -v "${Q[0]}" >/dev/null || die "${Q[0]} not installed (apt-get install qemu-system-${Q[0]#qemu-system-})"
	else
		command -v "$QEMU" >/dev/null || die "--qemu $QEMU: no such executable"
	fi
	Q+=("${QEMU_DATA[@]}" -nodefaults -no-user-config -display none -no-reboot -nic none -m "$MEM" -smp "$SMP")
}

# resolve_qemu: --qemu qemu10 becomes the binary `kcache.sh qemu10` unpacked
# (fetched once). If it cannot be had (archive unreachable, unsatisfiable
# dependency), the suite is skipped with kcache's reason: exit 0.
resolve_qemu() {
	[[ $QEMU == qemu10 ]] || return 0
	local out rc=0 why QEMU10='' QEMU10_VERSION=''
	[[ $ARCH == x86_64 ]] || die "--qemu qemu10 is qemu-system-x86_64 only"
	[[ -x $KCACHE ]] || die "kernel cache tool $KCACHE not found (set PTPVM_KCACHE)"
	out=$("$KCACHE" qemu10 2>"$RUNDIR/qemu10.err") || rc=$?
	cat "$RUNDIR/qemu10.err" >&2
	if ((rc == 0)); then
		eval "$out"
		if [[ -x $QEMU10 ]]; then
			QEMU=$QEMU10
			note "QEMU $QEMU10_VERSION: $QEMU"
			return 0
		fi
		why="kcache.sh qemu10 gave no binary: $out"
	else
		# kcache's error, after its last warning (e.g. "index refresh failed").
		why=$(grep -E '^kcache: (warning|error):' "$RUNDIR/qemu10.err" | tail -n 2 |
			sed 's/^kcache: //' | awk '{ printf "%s%s", (NR > 1 ? " / " : ""), $0 }')
		why="kcache.sh qemu10 failed (status $rc): ${why:-$(tail -n 1 "$RUNDIR/qemu10.err")}"
	fi
	echo "SKIP $SERIES/$NAME: QEMU 10 unavailable: $why"
	echo "vmtest $LABEL: 0 passed, 0 failed, 1 skipped"
	exit 0
}

# add_dtb FILE: QEMU's devicetree for this very command line (dumpdtb), plus
# the source text in FILE (e.g. a node of a device QEMU does not have),
# passed with -dtb.  QEMU still fills in /chosen and the memory size.
add_dtb() {
	local add=$1
	[[ $ARCH == aarch64 ]] || die "--dtb-add is for arm64 guests"
	command -v dtc >/dev/null || die "dtc not found (apt-get install device-tree-compiler)"
	# The dump must not touch a RAM file that another process (an emulator)
	# is to share with the real guest: it gets a file of its own.
	local q=() a
	for a in "${Q[@]}"; do
		[[ $a != *mem-path=* ]] || a=$(sed -E "s#mem-path=[^,]*#mem-path=$RUNDIR/dumpdtb.ram#" <<<"$a")
		q+=("$a")
	done
	timeout 30 "${q[@]}" -machine "dumpdtb=$RUNDIR/qemu.dtb" </dev/null >/dev/null 2>"$RUNDIR/dumpdtb.err" ||
		[[ -s $RUNDIR/qemu.dtb ]] || die "dumpdtb failed: $(tail -n 2 "$RUNDIR/dumpdtb.err")"
	dtc -q -I dtb -O dts -o "$RUNDIR/vm.dts" "$RUNDIR/qemu.dtb" || die "dtc cannot read QEMU's devicetree"
	cat "$add" >>"$RUNDIR/vm.dts"
	dtc -q -I dts -O dtb -o "$RUNDIR/vm.dtb" "$RUNDIR/vm.dts" || die "dtc: $add does not fit QEMU's devicetree"
	rm -f "$RUNDIR/dumpdtb.ram"
	Q+=(-dtb "$RUNDIR/vm.dtb")
}

# ---------------------------------------------------------------- KVM probe

# choose_accel: tcg or kvm. KVM is used only if a tiny guest boots under it;
# the verdict is cached per host boot (a stock kernel can hang under some KVMs).
choose_accel() {
	case $ACCEL in tcg | kvm) echo "$ACCEL"; return ;; esac
	if [[ $ARCH != x86_64 || ! -w /dev/kvm ]]; then
		echo tcg
		return
	fi
	local dir=/run/ptp-pure boot_id verdict=
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	mkdir -p "$dir"
	exec 8>"$dir/kvm-probe.lock"
	flock 8
	if [[ -f $dir/kvm-probe ]]; then
		read -r id verdict <"$dir/kvm-probe" || true
		[[ $id == "$boot_id" ]] || verdict=
	fi
	if [[ -z $verdict ]]; then
		verdict=$(kvm_probe)
		echo "$boot_id $verdict" >"$dir/kvm-probe"
	fi
	exec 8>&-
	echo "$verdict"
}

kvm_probe() {
	local t0 rc=0 out=$RUNDIR/probe.out
	note "probing KVM with a tiny guest (up to $KVM_PROBE_TIMEOUT s, once per host boot)"
	t0=$(now_ms)
	"$VM_DIR/mkinitramfs.sh" -o "$RUNDIR/probe.img" --krel "$KREL" --modroot "$MODROOT" \
		--arch "$ARCH" --load none
	qemu_base kvm "file,id=c0,path=$out"
	Q+=(-kernel "$KERNEL" -initrd "$RUNDIR/probe.img")
	Q+=(-append "console=$CONSOLE panic=-1 ptpvm.mode=probe")
	timeout --kill-after=5 "$KVM_PROBE_TIMEOUT" "${Q[@]}" </dev/null >/dev/null 2>&1 || rc=$?
	if ((rc == 0)) && grep -q 'ptpvm: probe-ok' "$out"; then
		note "KVM works ($(($(now_ms) - t0)) ms)"
		echo kvm
	else
		note "KVM unusable here (status $rc after $(($(now_ms) - t0)) ms): using TCG"
		echo tcg
	fi
}

# ---------------------------------------------------------------- run

cleanup() {
	[[ -z ${HOST_PID-} ]] || kill -- "-$HOST_PID" 2>/dev/null || true
	[[ -z ${TAIL_PID-} ]] || kill "$TAIL_PID" 2>/dev/null || true
	if ((KEEP)); then note "kept $RUNDIR"; else rm -rf "${RUNDIR:?}"; fi
}

start_host_cmd() {
	[[ -n $HOST_CMD ]] || return 0
	PTPVM_RUNDIR=$RUNDIR PTPVM_SUITE=$TESTS setsid bash -c "$(subst "$HOST_CMD")" \
		>"$RUNDIR/host-cmd.log" 2>&1 &
	HOST_PID=$!
}

# write_log: everything needed to debug a run in one file.
write_log() {
	local f b
	{
		echo "# ptp-pure vmtest $SERIES ($KREL) suite=${TESTS:-none} accel=$ACC"
		echo "# $(date -u +%FT%TZ) elapsed ${ELAPSED_MS} ms, qemu status $QRC"
		printf '# qemu:'
		printf ' %q' "${Q[@]}"
		echo
		echo "===== parsed"
		cat "$RUNDIR/parsed"
		for f in "$RUNDIR"/parsed.boot*; do
			[[ -f $f ]] || continue
			b=${f##*.boot}
			echo "===== boot $b, run again after a known kernel bug: parsed"
			cat "$f"
			echo "===== boot $b: console ($CONSOLE)"
			tr -d '\r' <"$RUNDIR/console.boot$b.log"
			echo "===== boot $b: results channel"
			tr -d '\r' <"$RUNDIR/results.boot$b.log"
		done
		if [[ -f $RUNDIR/console.first-boot.log ]]; then
			echo "===== console of the first boot, crashed before the tests ($CONSOLE)"
			tr -d '\r' <"$RUNDIR/console.first-boot.log"
		fi
		if [[ -f $RUNDIR/l1-console.log ]]; then
			echo "===== L1 console (--nested-kvm)"
			tr -d '\r' <"$RUNDIR/l1-console.log"
		fi
		echo "===== console ($CONSOLE)"
		tr -d '\r' <"$RUNDIR/console.log"
		echo "===== results channel"
		tr -d '\r' <"$RUNDIR/results.log"
		echo "===== qemu stderr"
		cat "$RUNDIR/qemu.err"
		if [[ -f $RUNDIR/host-cmd.log ]]; then
			echo "===== host-cmd"
			cat "$RUNDIR/host-cmd.log"
		fi
	} >"$LOG"
}

# boot_once: start the host command and QEMU, wait for the guest to end.
boot_once() {
	start_host_cmd
	note "booting $SERIES ($KREL, $ACC, timeout $TIMEOUT s)"
	: >"$RUNDIR/console.log"
	: >"$RUNDIR/results.log"
	local t0
	t0=$(now_ms)
	QRC=0
	timeout --kill-after=5 "$TIMEOUT" "${Q[@]}" </dev/null >/dev/null 2>"$RUNDIR/qemu.err" &
	local qpid=$!
	if ((VERBOSE)); then
		tail -n +1 -F --pid="$qpid" -s 0.5 "$RUNDIR/results.log" 2>/dev/null | tr -d '\r' | sed 's/^/  | /' >&2 &
		TAIL_PID=$!
	fi
	wait "$qpid" || QRC=$?
	[[ -z ${TAIL_PID-} ]] || wait "$TAIL_PID" 2>/dev/null || true
	TAIL_PID=
	ELAPSED_MS=$(($(now_ms) - t0))
	note "$SERIES: guest finished in $((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000)) | cut -c1) s (status $QRC)"
	[[ -z ${HOST_PID-} ]] || kill -- "-$HOST_PID" 2>/dev/null || true
	HOST_PID=
}

# crashed_before_tests: the guest oopsed or panicked and no test had begun.
CRASH_RE='Oops|Kernel panic|BUG:'
crashed_before_tests() {
	! grep -q 'ptpvm: begin ' "$RUNDIR/results.log" &&
		grep -qE "$CRASH_RE" "$RUNDIR/console.log"
}

# retried REASON: a boot of this run is booted again; the line goes to the
# run's output and to $PTP_PURE_RETRY_LOG (make check counts them).
retried() {
	local line="RETRY $SERIES/$NAME: $1"
	echo "$line"
	[[ -z ${PTP_PURE_RETRY_LOG-} ]] || echo "$line" >>"$PTP_PURE_RETRY_LOG"
}

main() {
	# The suite's vm.conf first, then the command line so that it wins.
	local suite
	suite=$(find_tests_arg "$@")
	if [[ -n $suite && -f $suite/vm.conf ]]; then read_suite_conf "$suite/vm.conf"; fi
	parse_args "$@"
	[[ -n $SERIES ]] || usage
	if [[ -n $TESTS ]]; then
		[[ -d $TESTS ]] || die "--tests $TESTS: not a directory"
		TESTS=$(cd "$TESTS" && pwd)
	fi
	NAME=${NAME:-$(basename "${TESTS:-none}")}
	LABEL=${LABEL:-$SERIES}
	if [[ -n $SUITE_SERIES && " $SUITE_SERIES " != *" $SERIES "* ]]; then
		echo "SKIP $SERIES/$NAME: suite runs only on series $SUITE_SERIES"
		echo "vmtest $LABEL: 0 passed, 0 failed, 1 skipped"
		return 0
	fi
	((INTERACTIVE)) && TIMEOUT=${TIMEOUT:-3600}
	TIMEOUT=${TIMEOUT:-120}
	ARCH=$(series_arch "$SERIES")
	LOG=${LOG:-$BUILD/logs/$SERIES-$NAME.log}
	mkdir -p "$(dirname "$LOG")" "$VM_CACHE"

	RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/ptpvm.XXXXXX")
	trap cleanup EXIT
	nested_check
	resolve_qemu
	kcache_image "$SERIES"
	KERNEL=$(boot_kernel)
	if ((NESTED)); then
		# QEMU 10 runs L1; L2 gets the system's QEMU inside L1, with KVM.
		L1_QEMU=$QEMU QEMU='' ACC=kvm
	else
		ACC=$(choose_accel)
	fi

	if [[ -z $MODDIR ]] && compgen -G "$BUILD/$KREL/src/*.ko" >/dev/null; then
		MODDIR=$BUILD/$KREL/src
		note "using the build matrix modules in $MODDIR"
	fi
	local mk=(--krel "$KREL" --modroot "$MODROOT" --arch "$ARCH") a
	for a in "${MK_ARGS[@]}"; do mk+=("$(arch_file "$(subst "$a")")"); done
	# The results channel of arm64 guests (virtio console over virtio-mmio).
	[[ $ARCH != aarch64 ]] || mk+=(--kmod 'virtio_mmio?' --kmod 'virtio_console?')
	[[ -z $MODDIR || $MODDIR == none ]] || mk+=(--modules "$MODDIR")
	if [[ -z $LOAD ]]; then
		if ((INTERACTIVE)); then LOAD=all; else LOAD=none; fi
	fi
	mk+=(--load "$LOAD")
	[[ -z $TESTS ]] || mk+=(--tests "$TESTS")
	((CHRONY == 0)) || mk+=(--with-chrony)
	"$VM_DIR/mkinitramfs.sh" -o "$RUNDIR/initrd.img" "${mk[@]}"

	local append
	# panic=-1: a panic reboots at once and -no-reboot ends QEMU (the missing end
	# marker then fails the run). Oopses do not panic, so later tests still run.
	# cryptomgr.notests saves ~0.7 s of crypto self-tests under TCG.
	append="panic=-1 cryptomgr.notests ptpvm.tt=$TT"
	for a in "${APPEND[@]}"; do append+=" $(subst "$a")"; done
	if ((INTERACTIVE)); then
		qemu_base "$ACC" "stdio,id=c0,mux=on,signal=off"
		Q+=(-mon "chardev=c0,mode=readline")
		append="console=$CONSOLE $append ptpvm.mode=shell"
	elif ((NESTED)); then
		# L2's channels are L1's serial ports ttyS1 and ttyS2 (nested.sh).
		qemu_base "$ACC" "file,id=c0,path=/dev/ttyS1" "file,id=c1,path=/dev/ttyS2"
		append="console=$CONSOLE $append ptpvm.out=$OUTDEV"
	else
		qemu_base "$ACC" "file,id=c0,path=$RUNDIR/console.log" "file,id=c1,path=$RUNDIR/results.log"
		append="console=$CONSOLE $append ptpvm.out=$OUTDEV"
	fi
	for a in "${QEMU_ARGS[@]}"; do Q+=("$(subst "$a")"); done
	[[ -z $DTB_ADD ]] || add_dtb "$(subst "$DTB_ADD")"
	Q+=(-kernel "$KERNEL" -initrd "$RUNDIR/initrd.img" -append "$append")
	((NESTED == 0)) || nested_wrap

	if ((INTERACTIVE)); then
		start_host_cmd
		# --foreground: QEMU must own the terminal to read from it.
		timeout --foreground --kill-after=5 "$TIMEOUT" "${Q[@]}" || true
		return 0
	fi

	# A guest kernel that dies before the first test began (no module of
	# ours is loaded then) is booted once more, and the retry is counted
	# (make check's retry line); the first attempt's console stays in the
	# log; any later crash fails.
	local attempt
	for attempt in 1 2; do
		boot_once
		crashed_before_tests || break
		((attempt == 2)) && break
		retried "the guest kernel crashed before any test began: $(grep -m1 -E "$CRASH_RE" "$RUNDIR/console.log" | tr -d '\r' | cut -c1-120)"
		cp "$RUNDIR/console.log" "$RUNDIR/console.first-boot.log"
	done

	local prc outer=() kb bug where extra voided
	((NESTED == 0)) || outer=(--outer-console "$RUNDIR/l1-console.log")
	# A known kernel bug (parse.sh's KNOWN_BUGS) can leave the kernel broken
	# for the rest of the boot (on 5.10, after ptp-unregister-refcount the
	# PTP core can no longer be loaded).  When a test from the one it hit in
	# onwards failed, those results mean nothing: the whole suite runs again
	# in a fresh boot, at most twice, and each re-boot is counted (RETRY).
	# Of a voided boot, the FAILs of the tests before that one still count;
	# the later ones are printed as VOIDED.  A boot that hit the bug and has
	# no FAIL after it stands as it is (the bug is its SKIP line).
	: >"$RUNDIR/voided"
	for kb in 1 2 3; do
		prc=0
		"$VM_DIR/parse.sh" --series "$SERIES" --label "$LABEL" --console "$RUNDIR/console.log" \
			--results "$RUNDIR/results.log" --qemu-rc "$QRC" --timeout "$TIMEOUT" \
			--qemu-err "$RUNDIR/qemu.err" "${ALLOW[@]}" "${outer[@]}" >"$RUNDIR/parsed" || prc=$?
		bug=$(sed -n 's/^SKIP [^ ]*\/kernel-log: \(.*\): known kernel bug \([^:]*\):.*/\2 (\1)/p' \
			"$RUNDIR/parsed" | head -n 1)
		[[ -n $bug && $kb -lt 3 ]] || break
		where=$(sed -n 's/^SKIP [^ ]*\/kernel-log: during test \([^:]*\): known kernel bug.*/\1/p' \
			"$RUNDIR/parsed" | head -n 1)
		voided=$(tr -d '\r' <"$RUNDIR/results.log" | awk -v s="$SERIES" -v t="$where" -v b="$kb" -v bug="$bug" '
			/^ptpvm: begin / && $3 == t { voided = 1 }
			/^FAIL / {
				sub(/^FAIL +/, "")
				if (voided || t == "") print "VOIDED " s "/" $0 " (boot " b ")"
				else print "FAIL " s "/" $0 " (boot " b ", before known kernel bug " bug ")"
			}')
		# Also a crash or time-out of the boot after the bug voids it.
		grep -q '^VOIDED ' <<<"$voided" || grep -q '^FAIL boot ' "$RUNDIR/parsed" || break
		retried "boot $kb hit known kernel bug $bug and failed after it: booted again"
		[[ -z $voided ]] || printf '%s\n' "$voided" >>"$RUNDIR/voided"
		cp "$RUNDIR/parsed" "$RUNDIR/parsed.boot$kb"
		cp "$RUNDIR/console.log" "$RUNDIR/console.boot$kb.log"
		cp "$RUNDIR/results.log" "$RUNDIR/results.boot$kb.log"
		boot_once
	done
	extra=$(grep -c '^FAIL ' "$RUNDIR/voided" || true)
	if ((extra)); then
		# The last boot's summary line, with the voided boots' FAILs.
		awk -v x="$extra" '/^vmtest .*: [0-9]+ passed, [0-9]+ failed/ {
			for (i = 1; i <= NF; i++) if ($(i + 1) == "failed,") { $i += x; break }
		} { print }' "$RUNDIR/parsed" >"$RUNDIR/parsed.new"
		mv "$RUNDIR/parsed.new" "$RUNDIR/parsed"
		prc=1
	fi
	cat "$RUNDIR/voided"
	cat "$RUNDIR/parsed"
	write_log
	if ((prc != 0)); then echo "log: $LOG"; fi
	return "$prc"
}

main "$@"
