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
RECIPE=2

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
# (a guest's line comes with its reason inside $1)
fail() { echo "FAIL $1${2:+: $2}"; NFAIL=$((NFAIL + 1)); }
skip() { echo "SKIP $1${2:+: $2}"; NSKIP=$((NSKIP + 1)); }
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
PIDFILES=()	# each holds the pids of one boot's QEMU and emulator
RAMS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local m f p
	for f in "${PIDFILES[@]}"; do
		[[ -f $f ]] || continue
		for p in $(<"$f"); do kill "$p" 2>/dev/null; done
	done
	for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
		umount -l "${MOUNTS[m]}" 2>/dev/null
	done
	for f in "${RAMS[@]}"; do rm -f "$f"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
		# The package set kcache.sh resolved (headers, -common, kbuild).
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
	# trixie-backports' kernels pre-depend on its newer linux-base.
	[[ $suite != trixie ]] || I_INCLUDE+=,linux-base/trixie-backports
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
		# shellcheck disable=SC2016 # $1 is mmdebstrap's, for the hook's shell
		local hooks=(
			--customize-hook='echo pkgtest >"$1/etc/hostname"'
			--customize-hook='mkdir -p "$1/var/cache/pkgtest"'
		)
		if [[ -n $I_PKGS2 ]]; then
			# The second kernel (image and headers, and what they need that
			# the image lacks), for the kernel-upgrade test offline.
			# The signed image lags behind in backports at times: else unsigned.
			local get="apt-get -q -y --download-only -o Dir::Cache::Archives=/var/cache/pkgtest install"
			hooks+=(--customize-hook="chroot \"\$1\" sh -c '$get linux-image-$I_KREL2 $I_PKGS2 ||
				$get linux-image-$I_KREL2-unsigned $I_PKGS2'")
		fi
		if ! mmdebstrap --variant=minbase --mode=root \
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
		if ! image_conf "$s" || ! ensure_image "$s"; then
			fail "$s/image" "could not build the image root"
		fi
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
	# shellcheck disable=SC2154,SC1091,SC2034 # dkms.conf reads arch, sets BUILT_MODULE_NAME
	(arch=$1 kernel_source_dir=/nonexistent && . ./dkms.conf && echo "${BUILT_MODULE_NAME[*]}")
}
MODS_X86=$(dkms_modules x86_64)
# One place per backend: an x86/arm64 backend is not on s390x, the core is
# everywhere (the test backend never).
check dkms.conf/per-arch "x86_64: '$MODS_X86', s390x: '$(dkms_modules s390x)'" \
	test "$MODS_X86" = "ptp_pure_core ptp_pure_vmclock ptp_pure_kvm ptp_pure_vmw ptp_pure_cipu" -a "$(dkms_modules s390x)" = "ptp_pure_core ptp_pure_s390"
# arm64 (dkms's $arch is aarch64 or arm64): vmclock and kvm, not vmw.
check dkms.conf/per-arch-arm64 "aarch64: '$(dkms_modules aarch64)', arm64: '$(dkms_modules arm64)'" \
	test "$(dkms_modules aarch64)" = "ptp_pure_core ptp_pure_vmclock ptp_pure_kvm" -a \
	"$(dkms_modules arm64)" = "ptp_pure_core ptp_pure_vmclock ptp_pure_kvm"
check dkms.conf/autoinstall "no AUTOINSTALL=yes" grep -qx 'AUTOINSTALL="yes"' dkms.conf

# The installed files besides the DKMS sources: each is documented in README.
DEB_FILES="/etc/chrony/conf.d/ptp-pure.conf /etc/ptp-pure/chrony/ptp_vmclock.conf
/lib/modprobe.d/ptp-pure.conf /lib/udev/rules.d/60-ptp-pure.rules /usr/lib/ptp-pure/ptp-pure-chrony
/usr/lib/ptp-pure/ptp-pure-activate /usr/lib/modules-load.d/ptp-pure-kvm.conf /usr/bin/ptp-pure
/usr/share/man/man1/ptp-pure.1.gz"
RPM_FILES="/etc/chrony.d/ptp-pure.conf /etc/ptp-pure/chrony/ptp_vmclock.conf
/usr/lib/modprobe.d/ptp-pure.conf /usr/lib/udev/rules.d/60-ptp-pure.rules /usr/lib/ptp-pure/ptp-pure-chrony
/usr/lib/ptp-pure/ptp-pure-activate /usr/lib/modules-load.d/ptp-pure-kvm.conf /usr/bin/ptp-pure
/usr/share/man/man1/ptp-pure.1"
# (Debian's rpmbuild does not compress manual pages; RPM distributions'
# brp-compress does, which the spec's "ptp-pure.1*" allows for.)
SRC_FILES="dkms.conf Kbuild Makefile VERSION conftest/conftest.sh src/ptp_pure_core.c src/ptp_pure_realtime.c
src/drivers/ptp_pure_vmclock.c src/drivers/ptp_pure_kvm.c src/drivers/ptp_pure_vmw.c src/drivers/ptp_pure_s390.c
src/ptp_pure_version.h include/ptp_pure.h src/drivers/ptp_pure_cipu.c include/ptp_pure_cipu_regs.h"

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
	# The postinst ends with the switch of a present device (tested in the guests).
	pi=$(dpkg-deb -I "$DEB" postinst 2>/dev/null)
	check deb/postinst-activates "the postinst does not run ptp-pure-activate on configure" \
		grep -q '^	/usr/lib/ptp-pure/ptp-pure-activate$' <<<"$pi"
	# No second rule for systemd's /dev/ptp_kvm.
	rules=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./lib/udev/rules.d/60-ptp-pure.rules)
	# shellcheck disable=SC2016 # the inner bash expands it
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

	check rpm/posttrans-activates "%posttrans does not run ptp-pure-activate" \
		grep -qx '/usr/lib/ptp-pure/ptp-pure-activate' <<<"$(rpm -qp --qf '%{POSTTRANS}' "$RPM" 2>/dev/null)"
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
	state() { (cd "$st" && echo "added:$(find added -type f -printf '%f ') installed:$(find installed -type f -printf '%f ')"); }
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

# ------------------------------------------------------------ images ---

MOK_CN="ptp-pure package-test MOK"

# inchroot ROOT CMD...: CMD in the image root, /proc mounted, clean env.
inchroot() {
	local root=$1
	shift
	unshare -m -p -f --kill-child --mount-proc="$root/proc" \
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# dkms_installed ROOT VER KREL: dkms says "installed" for that kernel.
# shellcheck disable=SC2317 # called through check
dkms_installed() {
	inchroot "$1" dkms status -m ptp-pure -v "$2" -k "$3" 2>/dev/null | grep -q ': installed'
}

# mods_check NAME ROOT KREL VER: every module of dkms.conf in updates/dkms
# of KREL, with MODULE_VERSION VER, and in modules.dep.
mods_check() {
	local n=$1 root=$2 k=$3 v=$4 m f bad='' got
	for m in $MODS_X86; do
		f=$(inchroot "$root" modinfo -k "$k" -n "$m" 2>/dev/null)
		case $f in
		/lib/modules/"$k"/updates/dkms/"$m".ko* | /usr/lib/modules/"$k"/updates/dkms/"$m".ko*) ;;
		*) bad+=" $m: not in updates/dkms of $k (${f:-not found});"; continue ;;
		esac
		got=$(inchroot "$root" modinfo -k "$k" -F version "$m" 2>/dev/null)
		[[ $got == "$v" ]] || bad+=" $m: version '$got', want $v;"
	done
	if [[ -n $bad ]]; then fail "$n" "${bad%;}"; else pass "$n"; fi
}

# boot_image SUITE ROOT KREL IMG: boot IMG with the emulated vmclock, the
# image's own kernel and initrd; results of guest-check.sh in $WORK/SUITE.
# Runs in the background of the chroot tests: sets BOOT_PID.
boot_image() {
	local suite=$1 root=$2 k=$3 img=$4 dir=$WORK/$1 vmlinuz initrd emu ram
	vmlinuz=$root/boot/vmlinuz-$k
	[[ -f $vmlinuz ]] || vmlinuz=$root/usr/lib/modules/$k/vmlinuz
	initrd=$root/boot/initrd.img-$k
	mkdir -p "$dir/boot"
	cp "$vmlinuz" "$dir/boot/vmlinuz"
	cp "$initrd" "$dir/boot/initrd"
	mkdir -p "$BUILD/emu"
	emu=$(flock "$BUILD/emu/.lock" tests/emu/build.sh -o "$BUILD/emu" --addr "$ADDR" 2>>"$dir/emu-build.log") ||
		{ echo "emulator build failed" >"$dir/boot-error"; return 1; }
	ram=$(mktemp /dev/shm/ptp-pure-pkgtest-ram.XXXXXX)
	RAMS+=("$ram")
	PIDFILES+=("$dir/pids")
	: >"$dir/pids"
	rm -f "$dir/console.log" "$dir/results.log" "$dir/emu.log" "$dir/boot-error"
	(
		timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 -machine q35,memory-backend=guestram \
			-accel tcg -cpu max -smp 1 -m "$MEM_MB" \
			-object "memory-backend-file,id=guestram,size=${MEM_MB}M,mem-path=$ram,share=on" \
			-acpitable "file=$emu/vmclock.aml" \
			-kernel "$dir/boot/vmlinuz" -initrd "$dir/boot/initrd" \
			-append "root=LABEL=pkgtest rw console=ttyS0 memmap=4K\$$ADDR panic=-1 systemd.show_status=0 quiet loglevel=4" \
			-drive "file=$img,if=virtio,format=raw,cache=unsafe" \
			-serial "file:$dir/console.log" -serial "file:$dir/results.log" \
			-chardev "socket,id=vmclockctl,path=$dir/vmclockctl.sock,server=on,wait=off" \
			-device isa-serial,chardev=vmclockctl,irq=5 \
			-S -qmp "unix:$dir/qmp.sock,server=on,wait=off" \
			-nic none -display none -no-reboot >"$dir/qemu.log" 2>&1 &
		qpid=$!
		echo "$qpid" >>"$dir/pids"
		for _ in $(seq 50); do [[ -S $dir/qmp.sock ]] && break; sleep 0.1; done
		timeout -k 5 "$QEMU_TIMEOUT" "$emu/vmclock-emu" --mem "$ram" --unlink-mem --addr "$ADDR" \
			--control "$dir/vmclockctl.sock" --qmp "$dir/qmp.sock" --log "$dir/emu.log" &
		epid=$!
		echo "$epid" >>"$dir/pids"
		wait "$qpid"
		echo "qemu exit $?" >>"$dir/qemu.log"
		kill "$epid" 2>/dev/null
		wait "$epid" 2>/dev/null
		rm -f "$ram" "$dir/pids"
	) &
	BOOT_PID=$!
}

# boot_results SUITE T0: wait for the boot, report the guest's lines.
boot_results() {
	local suite=$1 dir=$WORK/$1 l n=0
	wait "$BOOT_PID"
	if [[ -f $dir/boot-error ]]; then
		fail "$suite/boot" "$(<"$dir/boot-error")"
		return
	fi
	while IFS= read -r l; do
		l=${l%$'\r'}
		case $l in
		PASS\ * | FAIL\ * | SKIP\ *)
			n=$((n + 1))
			case $l in
			PASS*) pass "$suite/boot/${l#PASS }" ;;
			FAIL*) fail "$suite/boot/${l#FAIL }" "" ;;
			SKIP*) skip "$suite/boot/${l#SKIP }" "" ;;
			esac
			;;
		'# '*) echo "  ${l#\# }" ;;
		esac
	done < <(tr -d '\0' <"$dir/results.log" 2>/dev/null)
	if grep -q '^END' "$dir/results.log" 2>/dev/null && ((n > 0)); then
		pass "$suite/boot/completed ($(($(date +%s) - BOOT_T0)) s)"
	else
		fail "$suite/boot/completed" "no END from the guest within $QEMU_TIMEOUT s ($(tail -n 1 "$dir/qemu.log" 2>/dev/null)); console: $(tr -d '\r' <"$dir/console.log" 2>/dev/null | grep -v '^\s*$' | tail -n 3 | tr '\n' '|')"
	fi
}

# purge_check NAME ROOT: nothing of the package left, on any kernel.
purge_check() {
	local n=$1 root=$2 left='' f k
	left+=$(find "$root/lib/modules/" "$root/usr/lib/modules/" -name 'ptp_pure*' 2>/dev/null | sed "s#^$root##" | head -n 3 | tr '\n' ' ')
	for k in "$root"/lib/modules/*/modules.dep; do
		[[ -f $k ]] && grep -q ptp_pure "$k" && left+="${k#"$root"}(ptp_pure entries) "
	done
	for f in $DEB_FILES /etc/ptp-pure /usr/lib/ptp-pure /var/lib/dkms/ptp-pure /usr/src/ptp-pure-"$VER" /usr/src/ptp-pure-"$VER2"; do
		[[ -e $root$f || -L $root$f ]] && left+="$f "
	done
	# Anything else of that name (the .debs in /tmp are the test's own).
	left+=$(find "$root" -xdev -path "$root/tmp" -prune -o \( -name '*ptp-pure*' -o -name '*ptp_pure*' \) \
		-print 2>/dev/null | sed "s#^$root##" | head -n 5 | tr '\n' ' ')
	if [[ -n $left ]]; then fail "$n" "left behind: $left"; else pass "$n"; fi
}

run_suite() {
	local suite=$1 dir=$WORK/$1 root k k2='' t0=$SECONDS img
	BOOT_PID=''
	progress "$suite: image"
	if ! image_conf "$suite" || ! ensure_image "$suite"; then
		fail "$suite/image" "could not build the image root (log: $WORK/mmdebstrap-$suite.log)"
		return
	fi
	pass "$suite/image ($I_KREL)"
	k=$I_KREL
	[[ -z $I_SERIES2 ]] || k2=$I_KREL2

	# The run's root: the cached image below a writable overlay.
	root=$dir/root
	! mountpoint -q "$root" || umount -l "$root"	# an interrupted run's
	rm -rf --one-file-system "$dir"
	mkdir -p "$dir/upper" "$dir/ovwork" "$root"
	if mount -t overlay overlay -o "lowerdir=$I_ROOT,upperdir=$dir/upper,workdir=$dir/ovwork" "$root" 2>/dev/null; then
		MOUNTS+=("$root")
	else
		progress "$suite: no overlayfs here: copying the image root"
		if ! cp -a "$I_ROOT/." "$root/"; then
			fail "$suite/copy" "cannot copy $I_ROOT"
			return
		fi
	fi

	# A MOK key present before the install: DKMS must sign with it.
	mkdir -p "$root/var/lib/dkms"
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$MOK_CN" \
		-addext extendedKeyUsage=codeSigning -outform DER \
		-keyout "$root/var/lib/dkms/mok.key" -out "$root/var/lib/dkms/mok.pub" >/dev/null 2>&1
	cp "$DEB" "$DEB2" "$root/tmp/"

	# Install as an image build would: in a chroot, whose running kernel
	# (this host's) is not the image's.
	progress "$suite: dpkg -i ptp-pure-dkms_${VER}_all.deb in the chroot (DKMS build for $k)"
	if inchroot "$root" dpkg -i "/tmp/${DEB##*/}" >"$dir/install.log" 2>&1; then
		pass "$suite/install"
	else
		fail "$suite/install" "dpkg -i failed: $(tail -n 3 "$dir/install.log" | tr '\n' ' ')"
	fi
	check "$suite/dkms-installed" "dkms status -k $k: $(inchroot "$root" dkms status 2>&1 | tr '\n' ' ')" \
		dkms_installed "$root" "$VER" "$k"
	mods_check "$suite/modules" "$root" "$k" "$VER"
	signer=$(inchroot "$root" modinfo -k "$k" -F signer ptp_pure_vmclock 2>/dev/null)
	check "$suite/signed-with-mok" "signer '$signer', want '$MOK_CN'" test "$signer" = "$MOK_CN"
	deps=$(inchroot "$root" modprobe -S "$k" --show-depends ptp_pure_vmclock 2>&1)
	check "$suite/depmod" "modprobe --show-depends: $(tr '\n' ' ' <<<"$deps")" \
		grep -q 'updates/dkms/ptp_pure_core.ko' <<<"$deps"

	# The chrony drop-in on a machine without the clock: the image's own
	# chronyd and chrony.conf (no network: its own namespace) keeps running.
	# Control: with the clock's refclock linked as udev would, the same
	# chronyd stops on the missing /dev/ptp_vmclock, so the check can fail.
	chrony_run() {
		inchroot "$root" unshare -n timeout 4 chronyd -d -x -u root -f "$1" 2>&1
	}
	conf=/etc/chrony/chrony.conf
	out=$(chrony_run $conf)
	rc=$?
	if ((rc == 124)) && ! grep -qi fatal <<<"$out"; then
		pass "$suite/chrony-dropin-harmless"
	else
		fail "$suite/chrony-dropin-harmless" "chronyd exited ($rc): $(grep -i -m1 -e fatal -e error <<<"$out")"
	fi
	mkdir -p "$root/run/ptp-pure/chrony"
	ln -s /etc/ptp-pure/chrony/ptp_vmclock.conf "$root/run/ptp-pure/chrony/ptp_vmclock.conf"
	out=$(chrony_run $conf)
	check "$suite/chrony-dropin-control" "chronyd did not refuse the missing /dev/ptp_vmclock: $(tail -n 1 <<<"$out")" \
		grep -q 'Could not open /dev/ptp_vmclock' <<<"$out"
	rm -rf "$root/run/ptp-pure"

	# Boot a copy of the root, with the test unit (not part of the package).
	progress "$suite: booting the image in QEMU (TCG, at most $QEMU_TIMEOUT s) beside the chroot tests"
	install -D -m 0755 tests/package/guest-check.sh "$root/usr/local/sbin/pkgtest-guest-check"
	sed "s/@VERSION@/$VER/" tests/package/pkgtest.service >"$root/etc/systemd/system/pkgtest.service"
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf ../pkgtest.service "$root/etc/systemd/system/multi-user.target.wants/pkgtest.service"
	img=$dir/disk.img
	if mke2fs -q -F -t ext4 -L pkgtest -d "$root" "$img" 3G >"$dir/mke2fs.log" 2>&1; then
		BOOT_T0=$(date +%s)
		boot_image "$suite" "$root" "$k" "$img"
	else
		echo "mke2fs failed: $(tail -n 2 "$dir/mke2fs.log" | tr '\n' ' ')" >"$dir/boot-error"
		BOOT_PID=''
	fi
	rm -rf "$root/usr/local/sbin/pkgtest-guest-check" "$root/etc/systemd/system/pkgtest.service" \
		"$root/etc/systemd/system/multi-user.target.wants/pkgtest.service"

	# Kernel upgrade: a second kernel's headers arrive, DKMS builds for it.
	if [[ -n $k2 ]]; then
		progress "$suite: installing kernel $k2 and its headers (DKMS builds for it)"
		if inchroot "$root" sh -c 'dpkg -i /var/cache/pkgtest/*.deb' >"$dir/kernel2.log" 2>&1; then
			pass "$suite/kernel2-headers"
		else
			fail "$suite/kernel2-headers" "dpkg -i failed: $(tail -n 3 "$dir/kernel2.log" | tr '\n' ' ')"
		fi
		check "$suite/kernel2-dkms-installed" "dkms status: $(inchroot "$root" dkms status 2>&1 | tr '\n' ' ')" \
			dkms_installed "$root" "$VER" "$k2"
		mods_check "$suite/kernel2-modules" "$root" "$k2" "$VER"
	fi

	# A newer version replaces the modules on every kernel.  Debian's
	# common.postinst builds an upgrade for the running and the newest kernel
	# only, unless the running kernel is newer than every installed one (as
	# this host's is): with uname -r saying 2.6.x (setarch), it is older, as
	# on a build host with an older kernel or a machine with three kernels.
	progress "$suite: upgrade to $VER2"
	if inchroot "$root" setarch "$(uname -m)" --uname-2.6 dpkg -i "/tmp/${DEB2##*/}" >"$dir/upgrade.log" 2>&1; then
		pass "$suite/upgrade"
	else
		fail "$suite/upgrade" "dpkg -i failed: $(tail -n 3 "$dir/upgrade.log" | tr '\n' ' ')"
	fi
	for kk in $k $k2; do
		mods_check "$suite/upgrade-modules-$kk" "$root" "$kk" "$VER2"
	done
	st=$(inchroot "$root" dkms status -m ptp-pure 2>&1)
	# shellcheck disable=SC2016 # the inner bash expands it
	check "$suite/upgrade-old-gone" "dkms status: $(tr '\n' ' ' <<<"$st"); /usr/src: $(find "$root/usr/src" -maxdepth 1 -name 'ptp-pure*' -printf '%f ')" \
		bash -c '! grep -qF "ptp-pure/$1," <<<"$2" && [[ ! -e $3/usr/src/ptp-pure-$1 ]]' _ "$VER" "$st" "$root"

	# Purge: no module, rule or drop-in anywhere.
	progress "$suite: purge"
	if inchroot "$root" dpkg --purge ptp-pure-dkms >"$dir/purge.log" 2>&1; then
		pass "$suite/purge"
	else
		fail "$suite/purge" "dpkg --purge failed: $(tail -n 3 "$dir/purge.log" | tr '\n' ' ')"
	fi
	purge_check "$suite/purge-clean" "$root"

	if [[ -n $BOOT_PID ]]; then
		progress "$suite: waiting for the guest"
		boot_results "$suite"
	else
		fail "$suite/boot" "$(<"$dir/boot-error")"
	fi
	if mountpoint -q "$root"; then
		umount "$root" && MOUNTS=("${MOUNTS[@]/$root/}")
	fi
	((keep)) || rm -rf --one-file-system "${dir:?}/upper" "${dir:?}/ovwork" "$img" "${dir:?}/boot" "$root"
	progress "$suite: done ($((SECONDS - t0)) s)"
}

for s in bookworm trixie; do
	want "$s" && run_suite "$s"
done
finish
