#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vmw.sh [vmtest.sh options] [SERIES...]: the suite tests/guest/vmw in a
# QEMU guest that Linux takes for VMware (vm.conf), with the SSDT of
# vmw0005.asl compiled here by iasl (acpica-tools, installed by
# tools/deps.sh) into $PTP_PURE_BUILD/vmw/ and added with -acpitable.
# Prints what tools/vm/vmtest.sh prints; its exit status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
cache=${PTP_PURE_CACHE:-/var/cache/ptp-pure}
out=${PTP_PURE_BUILD:-$cache/build}/vmw
mkdir -p "$out"
command -v iasl >/dev/null || { echo "run-vmw.sh: iasl not found (apt-get install acpica-tools)" >&2; exit 1; }
if ! iasl -vi -p "$out/vmw0005" "$here/vmw0005.asl" >"$out/iasl.log" 2>&1; then
	cat "$out/iasl.log" >&2
	echo "run-vmw.sh: iasl failed" >&2
	exit 1
fi
exec "$top/tools/vm/vmtest.sh" --tests "$here" \
	--qemu-arg -acpitable --qemu-arg "file=$out/vmw0005.aml" "$@"
