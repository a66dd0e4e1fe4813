#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the in-tree ptp_s390 (drivers/ptp/ptp_s390.c, 6.13+) of an s390x
# series as an external module, for tests/guest/s390/50-intree: Debian's
# s390x kernels are configured without it (CONFIG_PTP_S390 is not set), so
# the driver is compiled, unchanged, from Debian's linux-source package of
# exactly that kernel (tools/kcache.sh intree-src) against its headers.
# Nothing of it enters the repository.
#
# Usage: tests/vm/intree-s390/build.sh [SERIES]   (default s390x-7)
# Prints the path of ptp_s390.ko; the build log is beside it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
series=${1:-s390x-7}
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
build=${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}
kcache=$top/tools/kcache.sh

eval "$("$kcache" kdir "$series")"
eval "$("$kcache" intree-src "$series" drivers/ptp/ptp_s390.c drivers/ptp/ptp_private.h)"
dir=$build/$KREL/intree-s390
rm -rf "$dir"
mkdir -p "$dir"
cp "$INTREE_SRC/drivers/ptp/ptp_s390.c" "$INTREE_SRC/drivers/ptp/ptp_private.h" "$dir/"
echo 'obj-m := ptp_s390.o' >"$dir/Kbuild"
if ! (cd "$dir" && "$kcache" run "$series" -- make -C "$KDIR" M="$dir" \
	${KCROSS:+ARCH=$KARCH CROSS_COMPILE=$KCROSS} modules) >"$dir/build.log" 2>&1; then
	tail -n 20 "$dir/build.log" >&2
	echo "intree-s390: the build of ptp_s390 for $KREL failed (log $dir/build.log)" >&2
	exit 1
fi
echo "$dir/ptp_s390.ko"
