# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared part of run-intree.sh, run-vmclock.sh and run-cipu.sh (sourced, never executed):
# one boot of tools/vm/run.sh with a live vmclock device.
#
#   emu_args ARGS...     the wrapper's command line: --series S (required,
#                        SERIES), -h/--help (its header), emu_opt's options;
#                        everything else in PASS (for run.sh)
#   emu_opt ARGS...      handle a wrapper option common to both; sets
#                        EMU_SHIFT to the words used (0: not one of ours)
#   emu_build            build.sh into $BUILD/emu; prints that directory
#   emu_run SERIES ARGS...  build (build.sh), then run.sh --series SERIES
#                        --tests $TESTS with the setup below and ARGS
#
# emu_run adds to the suite's vm.conf what needs the build or a unique path:
# the guest tools (--overlay), the SSDT (-acpitable), guest RAM in a file in
# /dev/shm shared with the emulator, QEMU paused (-S) with a QMP socket, and
# vmclock-emu as the --host-cmd (it writes the page, then starts the guest;
# its log ends up in the run's log).  The suite's vm.conf must hold the
# memmap for $ADDR and the ttyS2 command port (see tests/emu/README.md).

EMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$EMU_DIR/../.." && pwd)
CACHE=${PTP_PURE_CACHE:-/var/cache/ptp-pure}
BUILD=${PTP_PURE_BUILD:-$CACHE/build}
ADDR=0x10000000		# must match "append memmap=4K$..." in the suite's vm.conf
MEM_MB=512		# the RAM file backs all of the guest's memory
AML=vmclock.aml
TESTS=''
EMU_ARGS=()

emu_die() { echo "${0##*/}: error: $*" >&2; exit 2; }

# shellcheck disable=SC2034 # EMU_SHIFT is read by the wrappers
emu_opt() {
	EMU_SHIFT=0
	case $1 in
	--hid-only) AML=vmclock-hid.aml; EMU_SHIFT=1 ;;
	--twin) AML=vmclock-twin.aml; EMU_SHIFT=1 ;;
	--emu-arg | --tests)
		(($# >= 2)) || emu_die "$1 needs an argument"
		if [[ $1 == --tests ]]; then TESTS=$2; else EMU_ARGS+=("$2"); fi
		EMU_SHIFT=2
		;;
	esac
}

emu_args() {
	SERIES=''
	PASS=()
	while (($#)); do
		case $1 in
		-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		--series)
			(($# >= 2)) || emu_die "--series needs an argument"
			SERIES=$2
			shift 2
			continue
			;;
		esac
		emu_opt "$@"
		if ((EMU_SHIFT)); then shift "$EMU_SHIFT"; else PASS+=("$1"); shift; fi
	done
	[[ -n $SERIES ]] || emu_die "--series S is required (5.10, 6.1, 6.12 or 7)"
}

emu_build() {
	mkdir -p "$BUILD/emu"
	flock "$BUILD/emu/.lock" "$EMU_DIR/build.sh" -o "$BUILD/emu" --addr "$ADDR"
}

emu_run() {
	local series=$1 out emu a
	shift
	[[ -d $TESTS ]] || emu_die "no test directory $TESTS"
	out=$(emu_build)

	# Guest RAM in tmpfs: a disk-backed file doubles the boot time under TCG.
	# QEMU grows the empty file; vmclock-emu unlinks it once both have mapped it.
	EMU_RAM=$(mktemp /dev/shm/ptp-pure-vmclock-ram.XXXXXX)
	trap 'rm -f "$EMU_RAM"' EXIT

	emu="exec $(printf '%q' "$out/vmclock-emu") --mem $EMU_RAM --unlink-mem --addr $ADDR"
	emu+=" --control @RUNDIR@/vmclockctl.sock --qmp @RUNDIR@/qmp.sock"
	for a in "${EMU_ARGS[@]}"; do emu+=" $(printf '%q' "$a")"; done

	EMU_COMMON=(--series "$series" --tests "$TESTS" --mem "$MEM_MB"
		--qemu-arg -object
		--qemu-arg "memory-backend-file,id=guestram,size=${MEM_MB}M,mem-path=$EMU_RAM,share=on"
		--qemu-arg -machine --qemu-arg memory-backend=guestram
		--qemu-arg -S --qemu-arg -qmp --qemu-arg "unix:@RUNDIR@/qmp.sock,server=on,wait=off")
	if [[ $series == arm64* ]]; then
		emu_run_arm64 "$out" "$emu" "$@"
		return
	fi
	"$REPO_DIR/tools/vm/run.sh" "${EMU_COMMON[@]}" --overlay "$out/overlay" \
		--qemu-arg -acpitable --qemu-arg "file=$out/$AML" \
		--host-cmd "$emu" "$@"
}

# arm64 guests (-M virt): RAM starts at guest physical 0x40000000, so the
# page at file offset $ADDR is at 0x40000000 + $ADDR = 0x50000000, which a
# devicetree node "amazon,vmclock" declares and a no-map reserved-memory node
# keeps from the kernel (vmclock-arm64.dtsi, added to QEMU's own devicetree
# by run.sh --dtb-add).  The page carries the virtual counter: QEMU 7.2's
# 62.5 MHz, i.e. 16 ns of the host's CLOCK_MONOTONIC per tick.  The command
# port is a second virtio console (hvc1).  The doorbell (vmclock-emu
# --doorbell) is a virtio serial port "vmclock.bell" (not a console, which
# would renumber the hvc devices) on a second virtio-serial-device:
# as the second virtio device on the command line it takes virtio-mmio
# transport 30, whose interrupt (SPI 46) the devicetree node names too.
emu_run_arm64() {
	local out=$1 emu=$2
	shift 2
	[[ -d $out/overlay-arm64 ]] || emu_die "no arm64 guest tools in $out (aarch64-linux-gnu-gcc missing?)"
	emu+=" --arm-vcnt 16 --ram-base 0x40000000 --doorbell @RUNDIR@/vmclockbell.sock"
	local dtsi=vmclock-arm64.dtsi
	case $AML in
	vmclock-twin.aml) dtsi=vmclock-arm64-twin.dtsi ;;
	vmclock-hid.aml) emu_die "--hid-only is ACPI (x86)" ;;
	esac
	"$REPO_DIR/tools/vm/run.sh" "${EMU_COMMON[@]}" --overlay "$out/overlay-arm64" \
		--qemu-arg -chardev \
		--qemu-arg "socket,id=vmclockctl,path=@RUNDIR@/vmclockctl.sock,server=on,wait=off" \
		--qemu-arg -device --qemu-arg virtconsole,chardev=vmclockctl \
		--qemu-arg -chardev \
		--qemu-arg "socket,id=vmclockbell,path=@RUNDIR@/vmclockbell.sock,server=on,wait=off" \
		--qemu-arg -device --qemu-arg virtio-serial-device,id=bellbus \
		--qemu-arg -device --qemu-arg virtserialport,chardev=vmclockbell,bus=bellbus.0,name=vmclock.bell \
		--dtb-add "$EMU_DIR/$dtsi" \
		--host-cmd "$emu" "$@"
}
