#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo/run.sh [SERIES]: the first thing to run.  Builds the modules for one
# Debian kernel (default 6.12), boots it in QEMU with an emulated vmclock
# device served live from this host, loads ptp_pure_vmclock and lets chronyd
# discipline the guest clock to the PHC; shows chronyc sources (#* = the
# selected source) and chronyc tracking.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
series=${1:-6.12}
log="${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/logs/demo-$series.log"

tools/matrix.sh "$series"
make -s guest-tools
rc=0
tests/emu/run-vmclock.sh --series "$series" --tests demo/guest --log "$log" || rc=$?
echo
grep -o 'demo: .*' "$log" | sed 's/^demo: //'
echo
# Only a demo that ran to its PASS counts (a SKIP is not a demo).
grep -q "^PASS $series/demo\$" "$log" || rc=1
if [ $rc -eq 0 ]; then
	echo "demo: done (full log: $log)"
else
	echo "demo: FAILED (full log: $log)"
fi
exit $rc
