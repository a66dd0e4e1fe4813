#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build vmclock-emu, its guest tools and the SSDTs (see README.md).
#
# Usage: tests/emu/build.sh [-o OUTDIR] [--addr GPA]
#   -o OUTDIR   default ${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/emu
#   --addr GPA  address of the vmclock page in the SSDTs (default 0x10000000)
# Output:
#   OUTDIR/vmclock-emu        the host emulator
#   OUTDIR/cipu-emu           the emulated CIPU device (ivshmem server)
#   OUTDIR/vmclock.aml        SSDT: _HID AMZNC10C, _CID/_DDN VMCLOCK, page at GPA
#   OUTDIR/vmclock-hid.aml    SSDT: _HID VMCLOCK only
#   OUTDIR/vmclock-twin.aml   SSDT: two AMZNC10C devices on the same page
#   OUTDIR/overlay/usr/bin/   guest tools: tscsync, phc_read (static), vmclockctl
#   OUTDIR/overlay/usr/share/vmclock-emu/guest-lib.sh   shell helpers of the suites
# Prints OUTDIR. Needs cc (glibc static libc: libc6-dev) and iasl (acpica-tools).
set -euo pipefail

EMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$EMU_DIR/../.." && pwd)
OUT=${PTP_PURE_BUILD:-${PTP_PURE_CACHE:-/var/cache/ptp-pure}/build}/emu
ADDR=0x10000000

die() { echo "build.sh: error: $*" >&2; exit 2; }

while (($#)); do
	case $1 in
	-o) OUT=$2; shift 2 ;;
	--addr) ADDR=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
[[ $ADDR =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || die "--addr $ADDR: not a number"
(((ADDR & 0xfff) == 0)) || die "--addr $ADDR: not page aligned"
command -v iasl >/dev/null || die "iasl not found (apt-get install acpica-tools)"

mkdir -p "$OUT/overlay/usr/bin"
TMP=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror -I"$REPO_DIR/include" -I"$EMU_DIR")
cc "${CFLAGS[@]}" -pthread -o "$TMP/vmclock-emu" "$EMU_DIR/vmclock-emu.c"
cc "${CFLAGS[@]}" -o "$TMP/cipu-emu" "$EMU_DIR/cipu-emu.c"
cc "${CFLAGS[@]}" -static -o "$TMP/tscsync" "$EMU_DIR/tscsync.c"
cc "${CFLAGS[@]}" -static -o "$TMP/phc_read" "$EMU_DIR/phc_read.c"
# The guest tools for arm64 guests (OUTDIR/overlay-arm64), when the cross
# compiler is there (tools/deps.sh: gcc-aarch64-linux-gnu).
if command -v aarch64-linux-gnu-gcc >/dev/null; then
	mkdir -p "$TMP/a64"
	aarch64-linux-gnu-gcc "${CFLAGS[@]}" -static -o "$TMP/a64/tscsync" "$EMU_DIR/tscsync.c"
	aarch64-linux-gnu-gcc "${CFLAGS[@]}" -static -o "$TMP/a64/phc_read" "$EMU_DIR/phc_read.c"
fi

# iasl's -D defines symbols without values: rewrite the address lines.
printf -v addr '0x%08X' "$((ADDR))"
printf -v end '0x%08X' "$((ADDR + 0xfff))"
sed -e "s/^#define VMCLOCK_ADDR .*/#define VMCLOCK_ADDR $addr/" \
	-e "s/^#define VMCLOCK_END .*/#define VMCLOCK_END $end/" \
	"$EMU_DIR/vmclock.asl" >"$TMP/vmclock.asl"
iasl -vi -p "$TMP/vmclock" "$TMP/vmclock.asl" >"$TMP/iasl.log" 2>&1 ||
	{ cat "$TMP/iasl.log" >&2; die "iasl failed"; }
iasl -vi -p "$TMP/vmclock-hid" -D VMCLOCK_HID_ONLY "$TMP/vmclock.asl" >"$TMP/iasl.log" 2>&1 ||
	{ cat "$TMP/iasl.log" >&2; die "iasl failed (VMCLOCK_HID_ONLY)"; }

iasl -vi -p "$TMP/vmclock-twin" -D VMCLOCK_TWIN "$TMP/vmclock.asl" >"$TMP/iasl.log" 2>&1 ||
	{ cat "$TMP/iasl.log" >&2; die "iasl failed (VMCLOCK_TWIN)"; }

mv -f "$TMP/vmclock-emu" "$TMP/cipu-emu" "$TMP/vmclock.aml" "$TMP/vmclock-hid.aml" \
	"$TMP/vmclock-twin.aml" "$OUT/"
mv -f "$TMP/tscsync" "$TMP/phc_read" "$OUT/overlay/usr/bin/"
install -m 0755 "$EMU_DIR/vmclockctl" "$OUT/overlay/usr/bin/vmclockctl"
install -D -m 0644 "$EMU_DIR/guest-lib.sh" "$OUT/overlay/usr/share/vmclock-emu/guest-lib.sh"
if [[ -d $TMP/a64 ]]; then
	mkdir -p "$OUT/overlay-arm64/usr/bin"
	mv -f "$TMP/a64/tscsync" "$TMP/a64/phc_read" "$OUT/overlay-arm64/usr/bin/"
	install -m 0755 "$EMU_DIR/vmclockctl" "$OUT/overlay-arm64/usr/bin/vmclockctl"
	install -D -m 0644 "$EMU_DIR/guest-lib.sh" "$OUT/overlay-arm64/usr/share/vmclock-emu/guest-lib.sh"
fi
echo "$OUT"
