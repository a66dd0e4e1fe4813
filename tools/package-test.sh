#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make package-test` (stage "package" of make check): the packages of
# `make package` tested as a user and a cloud image would use them.
#
#   tools/package-test.sh [--only deb|rpm|bookworm|trixie]... [--keep]
#                         [--images-only]
#
# - deb, rpm: build both packages (and a newer version for the upgrade),
#   lintian, the .deb's files and Depends; rpmlint, the RPM's requires and
#   file list, and its scriptlets run through install, upgrade, reinstall
#   and erase against a stand-in dkms that keeps its state like dkms does.
# - bookworm (Debian 12, kernel 6.1) and trixie (Debian 13 with the newest
#   7.x of trixie-backports, the kernel tools/kcache.sh picks): a cloud-image
#   root filesystem (systemd, udev, chrony, dkms, the kernel and its headers;
#   mmdebstrap, cached in $PTP_PURE_CACHE/images/pkgtest-* keyed on the
#   kernel version and the recipe) gets the .deb installed in a chroot, where
#   the running kernel is not the image's; DKMS must have built and
#   installed every module for the image's kernel, signed with the MOK key
#   present.  The image then boots in QEMU (TCG, time-bounded) with the
#   emulated vmclock device of tests/emu/; tests/package/guest-check.sh runs
#   from a systemd unit and reports on the second serial port: our driver
#   bound (not the in-tree one), /dev/ptp_vmclock, chronyd with the shipped
#   drop-in on it ("#*"), dkms status.  Back in the chroot: a second kernel's
#   headers (bookworm: 6.12 of bookworm-backports) get modules built, a newer
#   version replaces every module, and purge leaves nothing behind.
#
# Each check prints "PASS name", "FAIL name: reason" or "SKIP name: reason";
# the last line is "N passed, N failed, N skipped".  Logs and work files:
# $PTP_PURE_BUILD/package-test/ (--keep keeps the image files of the run).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${PTP_PURE_CACHE:=/var/cache/ptp-pure}"
CACHE=$PTP_PURE_CACHE
BUILD=${PTP_PURE_BUILD:-$CACHE/build}
MIRROR=${PTP_PURE_MIRROR:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
WORK=$BUILD/package-test
QEMU_TIMEOUT=${PTP_PURE_PKGTEST_TIMEOUT:-300}
ADDR=0x10000000			# vmclock page (tests/emu/README.md), memmap= below
MEM_MB=1024
# Bump when the image recipe below changes: it is part of the cache key.
RECIPE=1

only=()
keep=0
images_only=0
while (($#)); do
	case $1 in
	--only) only+=("${2:?--only needs deb, rpm, bookworm or trixie}"); shift 2 ;;
	--keep) keep=1; shift ;;
	--images-only) images_only=1; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "package-test: unknown argument $1" >&2; exit 2 ;;
	esac
done
want() { ((${#only[@]} == 0)) || [[ " ${only[*]} " == *" $1 "* ]]; }

NPASS=0 NFAIL=0 NSKIP=0
pass() { echo "PASS $1"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $1: $2"; NFAIL=$((NFAIL + 1)); }
skip() { echo "SKIP $1: $2"; NSKIP=$((NSKIP + 1)); }
# check NAME REASON CMD...: PASS if CMD succeeds, else FAIL with REASON.
check() {
	local n=$1 r=$2
	shift 2
	if "$@"; then pass "$n"; else fail "$n" "$r"; fi
}
T0=$SECONDS
progress() { printf 'package-test: [%3d s] %s\n' "$((SECONDS - T0))" "$*" >&2; }
finish() {
	progress "done"
	echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"
	[[ $NFAIL -eq 0 ]]
	exit
}

MOUNTS=()
QEMU_PIDS=()
cleanup() {
	local m p
	for p in "${QEMU_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
		umount -l "${MOUNTS[m]}" 2>/dev/null
	done
	rm -f /dev/shm/ptp-pure-pkgtest-ram.* 2>/dev/null
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || { fail package-test "needs root (chroots, mounts)"; finish; }
mkdir -p "$WORK"

# ------------------------------------------------------------ images ---

# Debian suite, mirror lines and packages of an image.  The kernel is the
# one tools/kcache.sh resolves for the series (newest in the indexes).
image_conf() {
	local suite=$1 kr="signed-by=$KEYRING"
	case $suite in
	bookworm) I_SERIES=6.1 I_SERIES2=6.12 ;;
	trixie) I_SERIES=7 I_SERIES2='' ;;
	esac
	I_KREL=$(series_krel "$I_SERIES") || return 1
	I_PKGS2=''
	if [[ -n $I_SERIES2 ]]; then
		series_krel "$I_SERIES2" >/dev/null || return 1
		I_KREL2=$(sed -n 's/^R_KREL=//p' "$CACHE/state/$I_SERIES2.env")
		# shellcheck disable=SC1090
		I_PKGS2=$(. "$CACHE/state/$I_SERIES2.env" && echo "$R_PKGS")
	fi
	I_MIRRORS=("deb [$kr] $MIRROR/debian $suite main"
		"deb [$kr] $MIRROR/debian $suite-updates main"
		"deb [$kr] $MIRROR/debian $suite-backports main"
		"deb [$kr] $MIRROR/debian-security $suite-security main")
	I_INCLUDE=systemd-sysv,udev,chrony,dkms,openssl,kmod,procps,initramfs-tools
	I_INCLUDE+=,linux-image-$I_KREL,linux-headers-$I_KREL
	[[ -z $I_SERIES2 ]] || I_INCLUDE+=,dwarves
	I_KEY=$(printf '%s\n' "$RECIPE" "$suite" "$I_INCLUDE" "$I_PKGS2" "${I_MIRRORS[@]}" |
		sha256sum | cut -c1-10)
	I_ROOT=$CACHE/images/pkgtest-$suite-$I_KREL-$I_KEY
}

# KREL of a kernel series from tools/kcache.sh (headers fetched if needed).
series_krel() {
	local out
	out=$(tools/kcache.sh kdir "$1" 2>"$WORK/kcache-$1.log") ||
		{ tail -n 3 "$WORK/kcache-$1.log" >&2; return 1; }
	sed -n 's/^KREL=//p' <<<"$out"
}

# Build the image root of $suite once (cached; the lock is kcache's).
ensure_image() {
	local suite=$1 tmp t0 d
	[[ -f $I_ROOT/.pkgtest-ok ]] && return 0
	exec 8>"$CACHE/.pkgtest-images.lock"
	flock 8
	if [[ ! -f $I_ROOT/.pkgtest-ok ]]; then
		t0=$SECONDS
		progress "$suite: building the image root for $I_KREL (mmdebstrap, about a minute, ~1 GB)"
		tmp=$CACHE/images/.pkgtest-tmp-$suite
		rm -rf --one-file-system "$tmp"
		local hooks=(
			--customize-hook='echo pkgtest >"$1/etc/hostname"'
			--customize-hook='mkdir -p "$1/var/cache/pkgtest"'
		)
		if [[ -n $I_PKGS2 ]]; then
			# The second kernel's headers, for the kernel-upgrade test offline.
			hooks+=(--customize-hook="chroot \"\$1\" sh -c 'cd /var/cache/pkgtest && apt-get -q download $I_PKGS2'")
		fi
		if ! mmdebstrap --variant=minbase --mode=root --quiet \
			--aptopt='APT::Install-Recommends "false"' \
			--include="$I_INCLUDE" \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			"${hooks[@]}" \
			"$suite" "$tmp" "${I_MIRRORS[@]}" >"$WORK/mmdebstrap-$suite.log" 2>&1; then
			tail -n 20 "$WORK/mmdebstrap-$suite.log" >&2
			rm -rf --one-file-system "$tmp"
			flock -u 8
			return 1
		fi
		echo "$I_KEY" >"$tmp/.pkgtest-ok"
		for d in "$CACHE/images/pkgtest-$suite-"*; do
			[[ -e $d ]] && rm -rf --one-file-system "$d"
		done
		mv "$tmp" "$I_ROOT"
		progress "$suite: image root ready ($((SECONDS - t0)) s, $(du -sm "$I_ROOT" | cut -f1) MB)"
	fi
	flock -u 8
}

if ((images_only)); then
	for s in bookworm trixie; do
		want "$s" || continue
		image_conf "$s" && ensure_image "$s" || fail "$s/image" "could not build the image root"
	done
	finish
fi

# ---------------------------------------------------------- packages ---

VER=$(tools/version.sh)
VER2=$VER+pkgtest1		# the "newer version" of the upgrade test
PKG=$WORK/packages
DEB=$PKG/ptp-pure-dkms_${VER}_all.deb
DEB2=$PKG/ptp-pure-dkms_${VER2}_all.deb
RPM=$PKG/ptp-pure-dkms-$VER-1.noarch.rpm
RPM2=$PKG/ptp-pure-dkms-$VER2-1.noarch.rpm
rm -rf "$PKG"
progress "building the packages ($VER, and $VER2 for the upgrade test)"
if tools/package.sh -o "$PKG" >"$WORK/package.log" 2>&1 &&
	tools/package.sh -o "$PKG" --version "$VER2" >>"$WORK/package.log" 2>&1; then
	pass package/build
else
	fail package/build "tools/package.sh failed: $(tail -n 2 "$WORK/package.log" | tr '\n' ' ')"
	finish
fi
check version/stamped "tools/version.sh --check: $(tools/version.sh --check 2>&1)" tools/version.sh --check

# The modules dkms.conf declares for an architecture.
dkms_modules() {
	# shellcheck disable=SC2154,SC1091 # BUILT_MODULE_NAME is set by dkms.conf
	(arch=$1 kernel_source_dir=/nonexistent && . ./dkms.conf && echo "${BUILT_MODULE_NAME[*]}")
}
MODS_X86=$(dkms_modules x86_64)
# One place per backend: an x86/arm64 backend is not on s390x, the core is
# everywhere (the test backend never).
check dkms.conf/per-arch "x86_64: '$MODS_X86', s390x: '$(dkms_modules s390x)'" \
	test "$MODS_X86" = "ptp_pure_core ptp_pure_vmclock" -a "$(dkms_modules s390x)" = ptp_pure_core
check dkms.conf/autoinstall "no AUTOINSTALL=yes" grep -qx 'AUTOINSTALL="yes"' dkms.conf

# The installed files besides the DKMS sources: each is documented in README.
DEB_FILES="/etc/chrony/conf.d/ptp-pure.conf /etc/ptp-pure/chrony/ptp_vmclock.conf
/lib/modprobe.d/ptp-pure.conf /lib/udev/rules.d/60-ptp-pure.rules /usr/lib/ptp-pure/ptp-pure-chrony"
RPM_FILES="/etc/chrony.d/ptp-pure.conf /etc/ptp-pure/chrony/ptp_vmclock.conf
/usr/lib/modprobe.d/ptp-pure.conf /usr/lib/udev/rules.d/60-ptp-pure.rules /usr/lib/ptp-pure/ptp-pure-chrony"
SRC_FILES="dkms.conf Kbuild Makefile VERSION conftest/conftest.sh src/ptp_pure_core.c
src/drivers/ptp_pure_vmclock.c src/ptp_pure_version.h include/ptp_pure.h"

# files_check NAME LISTING PREFIX EXPECTED: each expected file in LISTING,
# no test backend, no build products.
files_check() {
	local n=$1 list=$2 usrsrc=$3 exp=$4 f miss=''
	for f in $exp; do grep -qxF "$f" <<<"$list" || miss+=" $f"; done
	for f in $SRC_FILES; do grep -qxF "$usrsrc/$f" <<<"$list" || miss+=" $usrsrc/$f"; done
	if [[ -n $miss ]]; then
		fail "$n" "missing:$miss"
	elif grep -qE 'ptp_pure_test|/tests/|\.(o|ko|cmd)$|/\.conftest' <<<"$list"; then
		fail "$n" "test backend or build products packaged: $(grep -E 'ptp_pure_test|/tests/|\.(o|ko|cmd)$|/\.conftest' <<<"$list" | head -n 3 | tr '\n' ' ')"
	else
		pass "$n"
	fi
}

if want deb; then
	files_check deb/files "$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's#^\.##; s#/$##')" \
		"/usr/src/ptp-pure-$VER" "$DEB_FILES"
	dep=$(dpkg-deb -f "$DEB" Depends)
	check deb/depends-dkms "Depends: '$dep'" grep -qE '(^|, )dkms( |,|$)' <<<"$dep"
	check deb/name "$(basename "$DEB")" test "$(dpkg-deb -f "$DEB" Package)_$(dpkg-deb -f "$DEB" Version)_$(dpkg-deb -f "$DEB" Architecture)" = "ptp-pure-dkms_${VER}_all"
	# The .dkms conf shipped is ours, version stamped.
	v=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./usr/src/ptp-pure-$VER/dkms.conf" | sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')
	check deb/dkms.conf-version "PACKAGE_VERSION '$v'" test "$v" = "$VER"
	if lintian --fail-on warning,error "$DEB" >"$WORK/lintian.log" 2>&1; then
		pass deb/lintian
	else
		fail deb/lintian "$(grep -E '^[EW]:' "$WORK/lintian.log" | head -n 3 | tr '\n' ' ')"
	fi
	# No second rule for systemd's /dev/ptp_kvm.
	rules=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./lib/udev/rules.d/60-ptp-pure.rules)
	check deb/no-ptp_kvm-rule "the rules name ptp_kvm" \
		bash -c '! grep -v "^#" <<<"$1" | grep -q "ptp_kvm"' _ "$rules"
fi

if want rpm; then
	files_check rpm/files "$(rpm -qlp "$RPM" 2>/dev/null)" "/usr/src/ptp-pure-$VER" "$RPM_FILES"
	reqs=$(rpm -qp --qf '[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]' "$RPM" 2>/dev/null)
	miss=''
	for r in 'dkms manual' 'dkms post' 'dkms preun' 'dkms posttrans'; do
		grep -qxF "$r" <<<"$reqs" || miss+=" '$r'"
	done
	check rpm/requires "missing requirements:$miss" test -z "$miss"
	check rpm/noarch "arch $(rpm -qp --qf '%{ARCH}' "$RPM" 2>/dev/null)" \
		test "$(rpm -qp --qf '%{ARCH}' "$RPM" 2>/dev/null)" = noarch
	conf=$(rpm -qp --configfiles "$RPM" 2>/dev/null | sort | tr '\n' ' ')
	check rpm/config-files "config files: $conf" \
		test "$conf" = "/etc/chrony.d/ptp-pure.conf /etc/ptp-pure/chrony/ptp_vmclock.conf "
	if command -v rpmlint >/dev/null; then
		if rpmlint -c packaging/rpm/rpmlint.toml "$RPM" "$PKG/ptp-pure-dkms-$VER-1.src.rpm" \
			"$PKG/ptp-pure-dkms-$VER.spec" >"$WORK/rpmlint.log" 2>&1; then
			pass rpm/rpmlint
		else
			fail rpm/rpmlint "$(grep -E ': [EW]: ' "$WORK/rpmlint.log" | head -n 3 | tr '\n' ' ')"
		fi
	else
		skip rpm/rpmlint "rpmlint is not installed (tools/deps.sh installs it)"
	fi

	# The scriptlets, in the order rpm runs them, against dkms-stub.
	st=$WORK/rpm-scriptlets
	rm -rf "$st"
	mkdir -p "$st/bin" "$st/src" "$st/added" "$st/installed"
	cp tests/package/dkms-stub "$st/bin/dkms"
	printf '#!/bin/sh\nexit 1\n' >"$st/bin/modinfo"
	printf '#!/bin/sh\necho "modprobe $*" >>"%s/calls"; exit 1\n' "$st" >"$st/bin/modprobe"
	chmod +x "$st/bin/"*
	# scriptlet RPM TAG ARG: run one scriptlet of package RPM with $1=ARG.
	scriptlet() {
		local body
		body=$(rpm -qp --qf "%{$2}" "$1" 2>/dev/null)
		[[ $body == '(none)' ]] && return 0
		echo "-- $(basename "$1") $2 $3" >>"$st/calls"
		PATH=$st/bin:$PATH DKMS_STUB_STATE=$st sh -c "$body" "$2" "$3" >>"$st/calls" 2>&1
	}
	state() { (cd "$st" && echo "added:$(ls added | tr '\n' ' ') installed:$(ls installed | tr '\n' ' ')"); }
	# Fresh install of VER.
	touch "$st/src/$VER"
	scriptlet "$RPM" POSTIN 1
	scriptlet "$RPM" POSTTRANS 1
	check rpm/scriptlets-install "after install: $(state)" test "$(state)" = "added:$VER  installed:$VER "
	# Upgrade to VER2: new %post, old %preun and %postun, new %posttrans.
	touch "$st/src/$VER2"
	scriptlet "$RPM2" POSTIN 2
	scriptlet "$RPM" PREUN 1
	rm -f "$st/src/$VER"
	scriptlet "$RPM" POSTUN 1
	scriptlet "$RPM2" POSTTRANS 1
	check rpm/scriptlets-upgrade "after upgrade to $VER2: $(state)" \
		test "$(state)" = "added:$VER2  installed:$VER2 "
	# Reinstall of VER2 (same version): the old %preun removes it, the new
	# %posttrans must bring it back.
	scriptlet "$RPM2" POSTIN 2
	scriptlet "$RPM2" PREUN 1
	scriptlet "$RPM2" POSTUN 1
	scriptlet "$RPM2" POSTTRANS 1
	check rpm/scriptlets-reinstall "after reinstall: $(state)" \
		test "$(state)" = "added:$VER2  installed:$VER2 "
	# Erase.
	scriptlet "$RPM2" PREUN 0
	rm -f "$st/src/$VER2"
	scriptlet "$RPM2" POSTUN 0
	check rpm/scriptlets-erase "after erase: $(state)" test "$(state)" = "added: installed:"
	if grep -q '^BAD' "$st/calls"; then
		fail rpm/scriptlets-dkms-calls "$(grep '^BAD' "$st/calls" | head -n 2 | tr '\n' ' ')"
	else
		pass rpm/scriptlets-dkms-calls
	fi
fi
