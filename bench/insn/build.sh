#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/insn/build.sh: build the TCG plugin insn_count.so for the QEMU that
# the guests boot (qemu-system-x86_64 from PATH, tools/vm/run.sh's default)
# and print its path.  The header qemu-plugin.h comes from that QEMU's Debian
# source package (tools/kcache.sh qemu-plugin-h, cached); the plugin is
# rebuilt when it or the header changes.  On failure: the reason on the last
# line of stderr, exit status 1 (the callers print it as a SKIP).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
out=${PTP_PURE_BUILD:-$PTP_PURE_CACHE/build}/insn
src=$top/bench/insn/insn_count.c
fail() { echo "insn: $*" >&2; exit 1; }

mkdir -p "$out"
ver=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1) || fail "no qemu-system-x86_64"
# "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
deb=$(sed -n 's/.*(Debian \(.*\)).*/\1/p' <<<"$ver")
[[ -n $deb ]] || fail "not Debian's QEMU ($ver): no source package for its plugin header"
if ! env=$("$top/tools/kcache.sh" qemu-plugin-h 2>"$out/kcache.err"); then
	cat "$out/kcache.err" >&2
	fail "tools/kcache.sh qemu-plugin-h failed: $(grep -E '^kcache: (warning|error)' "$out/kcache.err" | tail -n 1)"
fi
QEMU_PLUGIN_H='' QEMU_PLUGIN_SRCVER=''
eval "$env"
# The header is QEMU's own: any Debian revision of the same upstream release
# carries it unchanged (kcache.sh applies a Debian patch that touches it).
[[ ${deb%-*} == "${QEMU_PLUGIN_SRCVER%-*}" ]] ||
	fail "qemu-system-x86_64 is $deb, the header is of source $QEMU_PLUGIN_SRCVER"
[[ ${deb%+b[0-9]*} == "$QEMU_PLUGIN_SRCVER" ]] ||
	echo "insn: header from source $QEMU_PLUGIN_SRCVER (the archive no longer has ${deb%+b[0-9]*})" >&2
so=$out/insn_count.so
if [[ ! -s $so || $so -ot $src || $so -ot $QEMU_PLUGIN_H ]]; then
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC -I"$(dirname "$QEMU_PLUGIN_H")" \
		-o "$so.tmp" "$src" || fail "building the plugin failed"
	mv "$so.tmp" "$so"
fi
echo "$so"
