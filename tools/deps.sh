#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host packages that `make check` needs (Debian 12, as root).
# Fast when everything is already there: dpkg is asked first, apt only for
# what is missing.
set -euo pipefail

pkgs=(
	build-essential gcc-12 make bc flex bison libelf-dev libssl-dev kmod cpio
	xz-utils zstd dwarves pkg-config check sparse
	mmdebstrap debootstrap
	qemu-system-x86 busybox-static acpica-tools
	gcc-s390x-linux-gnu
	qemu-system-s390x libc6-dev-s390x-cross
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm device-tree-compiler
	chrony linuxptp tzdata
	git rsync perl python3 shellcheck
	debhelper dh-dkms dpkg-dev fakeroot lintian rpm rpmlint e2fsprogs openssl
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (sudo make check)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
