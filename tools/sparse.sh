#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run sparse over the modules (make C=2: check every file) against the 6.1
# headers.  Any sparse diagnostic fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
series=${SPARSE_SERIES:-6.1}
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"

eval "$("$top/tools/kcache.sh" kdir "$series")"
work="${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/sparse-$KREL"
rm -rf "$work"
mkdir -p "$work"
(cd "$top" && git ls-files -co --exclude-standard | grep -v '^\.ci/' |
	tar -cf - -T -) | tar -xf - -C "$work"

log="$work/sparse.log"
status=0
make -C "$work" KDIR="$KDIR" ${KCC:+CC=$KCC} ${KCROSS:+ARCH=$KARCH CROSS_COMPILE=$KCROSS} PTP_PURE_TESTMOD=1 \
	C=2 CHECK="sparse" modules >"$log" 2>&1 || status=$?
# sparse reports as "file:line:col: warning|error: ..."
diags=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" || true)
if [ "$status" -ne 0 ] || [ -n "$diags" ]; then
	echo "FAIL sparse $series ($KREL)"
	if [ -n "$diags" ]; then echo "$diags" | head -n 30; else tail -n 30 "$log"; fi
	echo "sparse: 0 passed, 1 failed"
	exit 1
fi
echo "PASS sparse $series ($KREL)"
echo "sparse: 1 passed, 0 failed"
