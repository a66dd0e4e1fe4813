#!/bin/bash
# Build the initramfs of a ptp-pure test guest.
#
# The result is two concatenated cpio archives (the kernel unpacks them in order):
#   1. a cached base: busybox + applet links, /dev/console, /etc, [chronyd/chronyc + libs]
#   2. per run: /init, the kernel's in-tree modules we need (decompressed), our
#      modules in /lib/modules/KREL/extra with a fresh modules.dep, tests, extra files.
#
# Usage: mkinitramfs.sh -o OUT --krel KREL --modroot DIR [options]
#   --arch x86_64|s390x|aarch64   guest architecture (default x86_64)
#   --modules DIR         our built modules (DIR/*.ko); loaded at boot in dependency order
#   --load LIST|none      space/comma separated module names to load at boot
#                         (default: all of --modules)
#   --kmod NAME[?]        extra in-tree module (+ its deps) to include; repeatable.
#                         NAME? is left out where the kernel has no such module.
#                         ptp and pps_core are always included where they are modules.
#   --tests DIR           copied to /tests
#   --file SRC:DEST       copy a file or directory to DEST in the guest; repeatable
#   --overlay DIR         copy DIR/. onto the guest root; repeatable
#   --elf SRC[:DEST]      copy a dynamic executable plus its shared libraries; repeatable
#   --with-chrony         add the host's chronyd/chronyc and their libraries (x86_64);
#                         aarch64: bookworm's arm64 chrony and libraries
#                         (tools/kcache.sh chrony-arm64)
#   --compress gzip|none  compression of the whole image (default none: boots faster)
#   --init FILE           use FILE as /init instead of tools/vm/init.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the layout of the base archive changes.
BASE_VERSION=1

OUT='' KREL='' MODROOT='' ARCH=x86_64 MODDIR='' LOAD=all TESTS='' CHRONY=0 COMPRESS=none
INIT=$VM_DIR/init.sh
KMODS=(ptp pps_core)
FILES=() OVERLAYS=() ELFS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

parse_args() {
	while (($#)); do
		case $1 in
		-o) OUT=$2 ;;
		--krel) KREL=$2 ;;
		--modroot) MODROOT=$2 ;;
		--arch) ARCH=$2 ;;
		--modules) MODDIR=$2 ;;
		--load) LOAD=$2 ;;
		--kmod) KMODS+=("$2") ;;
		--tests) TESTS=$2 ;;
		--file) FILES+=("$2") ;;
		--overlay) OVERLAYS+=("$2") ;;
		--elf) ELFS+=("$2") ;;
		--with-chrony) CHRONY=1; shift; continue ;;
		--compress) COMPRESS=$2 ;;
		--init) INIT=$2 ;;
		-h | --help) usage 0 ;;
		*) die "unknown argument: $1 (see --help)" ;;
		esac
		(($# >= 2)) || die "$1 needs an argument"
		shift 2
	done
	[[ -n $OUT && -n $KREL && -n $MODROOT ]] || usage
	[[ -d $MODROOT/lib/modules/$KREL ]] || die "no $MODROOT/lib/modules/$KREL"
	[[ -z $MODDIR || -d $MODDIR ]] || die "--modules $MODDIR: not a directory"
	[[ -z $TESTS || -d $TESTS ]] || die "--tests $TESTS: not a directory"
	[[ $COMPRESS == gzip || $COMPRESS == none ]] || die "--compress gzip|none"
	[[ $CHRONY == 0 || $ARCH == x86_64 || $ARCH == aarch64 ]] || die "--with-chrony is x86_64/aarch64 only"
}

# ---------------------------------------------------------------- helpers

# mkcpio DIR OUT: newc archive of DIR, owned by root.
mkcpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$2"
}

# busybox binary for the guest architecture.
busybox_bin() {
	case $ARCH in
	x86_64)
		local bb=/bin/busybox
		# busybox-static replaces /bin/busybox with a static build.
		if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
			die "static busybox not found: apt-get install busybox-static"
		fi
		echo "$bb"
		;;
	s390x)
		# Fetched once from Debian (no host package can provide it).
		local bb=$VM_CACHE/s390x/busybox
		[[ -x $bb ]] || fetch_s390x_busybox "$bb"
		echo "$bb"
		;;
	aarch64)
		local bb=$VM_CACHE/aarch64/busybox
		[[ -x $bb ]] || fetch_arm64_busybox "$bb"
		echo "$bb"
		;;
	*) die "unsupported arch $ARCH" ;;
	esac
}

# busybox-static:arm64 through kcache.sh's arm64 apt indexes (read-only).
fetch_arm64_busybox() {
	local dest=$1 tmp apt=$CACHE/apt-arm64
	tmp=$(mktemp -d)
	note "fetching busybox-static:arm64"
	local -a opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o APT::Sandbox::User=root)
	(cd "$tmp" && apt-get "${opts[@]}" download -q busybox-static:arm64 >/dev/null 2>&1) ||
		die "cannot download busybox-static:arm64 (run tools/kcache.sh image arm64-6.1 first)"
	dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"
	mkdir -p "${dest%/*}"
	cp "$tmp/x/bin/busybox" "$dest.$$" && atomic_mv "$dest.$$" "$dest"
	rm -rf "$tmp"
}

fetch_s390x_busybox() {
	local dest=$1 tmp
	tmp=$(mktemp -d)
	note "fetching busybox-static:s390x"
	# Read-only use of kcache.sh's private apt indexes (they include s390x);
	# fall back to the host's apt configuration.
	local apt=$CACHE/apt
	local -a opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o APT::Architectures::=amd64 -o APT::Architectures::=s390x -o APT::Sandbox::User=root)
	(cd "$tmp" && { apt-get "${opts[@]}" download -q busybox-static:s390x ||
		apt-get download -q busybox-static:s390x; } >/dev/null 2>&1) ||
		die "cannot download busybox-static:s390x (run tools/kcache.sh image s390x first)"
	dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"
	mkdir -p "${dest%/*}"
	cp "$tmp/x/bin/busybox" "$dest.$$" && atomic_mv "$dest.$$" "$dest"
	rm -rf "$tmp"
}

# copy_elf ROOT SRC [DEST]: copy an executable and everything ldd says it needs,
# keeping the library paths (so the interpreter path in the binary stays valid).
copy_elf() {
	local root=$1 src=$2 dest=${3:-$2} lib
	[[ -f $src ]] || die "no such file: $src"
	mkdir -p "$root/${dest%/*}"
	cp -L "$src" "$root/$dest"
	# ldd lines: "libx.so.1 => /path (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[[ -f $root/$lib ]] && continue
		mkdir -p "$root/${lib%/*}"
		cp -L "$lib" "$root/$lib"
	done
}

# ---------------------------------------------------------------- base archive

build_base() {
	local stage=$1 bb=$2 applet
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,root,tests,lib/ptpvm}
	cp "$bb" "$stage/bin/busybox"
	# The applet list of the guest binary equals the host's for x86_64; for other
	# arches use the host list (same Debian version and config).
	for applet in $(/bin/busybox --list); do
		[[ -e $stage/bin/$applet ]] || ln -s busybox "$stage/bin/$applet"
	done
	mknod "$stage/dev/console" c 5 1
	mknod "$stage/dev/null" c 1 3
	printf 'root:x:0:0:root:/root:/bin/sh\n_chrony:x:100:101::/var/lib/chrony:/bin/false\n' \
		>"$stage/etc/passwd"
	printf 'root:x:0:\n_chrony:x:101:\n' >"$stage/etc/group"
	printf 'export PS1="[ptpvm \\w]# " PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root\n' \
		>"$stage/etc/profile"
	if ((CHRONY)) && [[ $ARCH == aarch64 ]]; then
		# The loader and every library of the unpacked arm64 packages.
		local root=$CHRONY_ROOT d
		install -D -m 0755 "$root/usr/sbin/chronyd" "$stage/usr/sbin/chronyd"
		install -D -m 0755 "$root/usr/bin/chronyc" "$stage/usr/bin/chronyc"
		for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
			mkdir -p "$stage/$d"
			find "$root/$d" -maxdepth 1 -name '*.so*' -exec cp -a {} "$stage/$d/" \;
		done
		cp -a "$root/lib/ld-linux-aarch64.so.1" "$stage/lib/"
		mkdir -p "$stage"/{etc/chrony,var/lib/chrony,run/chrony}
	elif ((CHRONY)); then
		command -v chronyd >/dev/null ||
			die "chronyd not found on the host: apt-get install chrony"
		copy_elf "$stage" "$(command -v chronyd)" /usr/sbin/chronyd
		copy_elf "$stage" "$(command -v chronyc)" /usr/bin/chronyc
		mkdir -p "$stage"/{etc/chrony,var/lib/chrony,run/chrony}
	fi
}

# base_archive: prints the path of the cached base archive, building it if needed.
base_archive() {
	local bb key f
	bb=$(busybox_bin)
	key="v$BASE_VERSION $ARCH $(sha256sum <"$bb")"
	if ((CHRONY)) && [[ $ARCH == aarch64 ]]; then
		CHRONY_ROOT=$(eval "$("$KCACHE" chrony-arm64)" && echo "$CHRONY_ARM64") ||
			die "tools/kcache.sh chrony-arm64 failed"
		key+=" chrony $(cat "$CHRONY_ROOT/.kcache-specs")"
	elif ((CHRONY)); then
		for f in "$(command -v chronyd)" "$(command -v chronyc)"; do
			key+=" $(sha256sum <"$f") $(ldd "$f" | grep -o '/[^ ]*' | xargs sha256sum)"
		done
	fi
	key=$(sha256sum <<<"$key" | cut -c1-16)
	f=$VM_CACHE/base/base-$ARCH-$key.cpio
	if [[ ! -s $f ]]; then
		with_lock "base-$key" build_base_locked "$bb" "$f"
	fi
	echo "$f"
}

build_base_locked() {
	local bb=$1 f=$2 stage
	[[ -s $f ]] && return 0
	note "building base archive $(basename "$f")"
	mkdir -p "${f%/*}"
	stage=$(mktemp -d)
	build_base "$stage" "$bb"
	mkcpio "$stage" "$f.tmp"
	atomic_mv "$f.tmp" "$f"
	rm -rf "$stage"
}

# ---------------------------------------------------------------- kernel modules

# kernel_moddep: prints the path of the kernel's modules.dep (generated with
# `depmod -n` and cached when MODROOT has none, as in an unpacked .deb).
kernel_moddep() {
	local dep=$MODROOT/lib/modules/$KREL/modules.dep cached
	if [[ -s $dep ]]; then
		echo "$dep"
		return
	fi
	cached=$VM_CACHE/moddep/$KREL.dep
	if [[ ! -s $cached ]]; then
		mkdir -p "${cached%/*}"
		# The dry-run output starts with modules.dep; the next file starts with "# ".
		depmod -n -b "$MODROOT" "$KREL" 2>/dev/null | sed '/^# /,$d' >"$cached.$$"
		[[ -s $cached.$$ ]] || die "depmod -n -b $MODROOT $KREL produced nothing"
		atomic_mv "$cached.$$" "$cached"
	fi
	echo "$cached"
}

modname() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }

# resolve_kmods DEPFILE NAME...: prints the modules.dep-relative paths of NAMEs
# and of everything they depend on. Names that are built in are skipped; names
# that are neither built in nor modules are an error.
resolve_kmods() {
	local depfile=$1
	shift
	local builtin=$MODROOT/lib/modules/$KREL/modules.builtin
	awk -v builtin="$builtin" -v names="$*" '
		function norm(p,  n) { n = p; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n); return n }
		BEGIN {
			while ((getline l < builtin) > 0) isbuiltin[norm(l)] = 1
		}
		{
			key = $1; sub(/:$/, "", key); n = norm(key)
			path[n] = key; deps[n] = ""
			for (i = 2; i <= NF; i++) deps[n] = deps[n] " " $i
		}
		function want(n,  d, k, i) {
			if (n in seen) return
			seen[n] = 1
			if (!(n in path)) {
				if (n in isbuiltin) return
				print "ERROR " n; return
			}
			print path[n]
			k = split(deps[n], d, " ")
			for (i = 1; i <= k; i++) want(norm(d[i]))
		}
		END { k = split(names, nm, " "); for (i = 1; i <= k; i++) want(nm[i]) }
	' "$depfile"
}

# decompress_ko SRC DEST: busybox insmod/modprobe cannot decompress modules.
decompress_ko() {
	case $1 in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*.ko) cp "$1" "$2" ;;
	*) die "unknown module format: $1" ;;
	esac
}

# stage_modules STAGE: kernel modules + ours + modules.dep; writes /etc/ptpvm/load.
stage_modules() {
	local stage=$1 depfile ko rel dest kdir
	kdir=$stage/lib/modules/$KREL
	local -a ours=() want=() missing=()
	local -A have=() optional=([ptp]=1 [pps_core]=1)
	mkdir -p "$kdir/extra" "$stage/etc/ptpvm"
	if [[ -n $MODDIR ]]; then
		for ko in "$MODDIR"/*.ko; do
			[[ -e $ko ]] || continue
			cp "$ko" "$kdir/extra/"
			ours+=("$(modname "$ko")")
			have[$(modname "$ko")]=1
		done
		((${#ours[@]})) || note "warning: no *.ko in $MODDIR"
	fi
	# In-tree modules: the defaults, --kmod, and what our modules depend on.
	for ko in "${KMODS[@]}"; do
		[[ $ko != *\? ]] || optional[${ko%\?}]=1
		want+=("${ko%\?}")
	done
	for ko in "${ours[@]}"; do
		for rel in $(modinfo -F depends "$kdir/extra/$ko.ko" | tr ',' ' '); do
			[[ -n ${have[${rel//-/_}]:-} ]] || want+=("$rel")
		done
	done
	depfile=$(kernel_moddep)
	while read -r rel; do
		case $rel in
		ERROR\ *)
			# ptp/pps_core are optional defaults (built in or absent on some kernels),
			# like the NAME? of --kmod.
			[[ -n ${optional[${rel#ERROR }]:-} ]] || missing+=("${rel#ERROR }")
			continue
			;;
		esac
		dest=$kdir/${rel%.ko*}.ko
		mkdir -p "${dest%/*}"
		decompress_ko "$MODROOT/lib/modules/$KREL/$rel" "$dest"
	done < <(resolve_kmods "$depfile" "${want[@]}")
	((${#missing[@]} == 0)) || die "in-tree modules not found for $KREL: ${missing[*]}"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[[ -f $MODROOT/lib/modules/$KREL/$f ]] && cp "$MODROOT/lib/modules/$KREL/$f" "$kdir/"
	done
	depmod -b "$stage" "$KREL" 2>/dev/null || die "depmod failed for the staged modules"
	# Boot-time load list: everything of ours unless --load says otherwise.
	case $LOAD in
	all) printf '%s\n' "${ours[@]}" ;;
	none) ;;
	*) tr -s ', ' '\n' <<<"$LOAD" ;;
	esac >"$stage/etc/ptpvm/load"
}

# ---------------------------------------------------------------- per-run archive

build_run() {
	local stage=$1 spec src dest
	mkdir -p "$stage/tests" "$stage/lib/ptpvm"
	install -m 0755 "$INIT" "$stage/init"
	install -m 0644 "$VM_DIR/testlib.sh" "$stage/lib/ptpvm/testlib.sh"
	stage_modules "$stage"
	if [[ -n $TESTS ]]; then
		cp -rL "$TESTS/." "$stage/tests/"
	fi
	for spec in "${ELFS[@]}"; do
		src=${spec%%:*} dest=${spec#*:}
		[[ $spec == *:* ]] || dest=$src
		copy_elf "$stage" "$src" "$dest"
	done
	for spec in "${FILES[@]}"; do
		[[ $spec == *:* ]] || die "--file needs SRC:DEST, got $spec"
		src=${spec%%:*} dest=${spec#*:}
		mkdir -p "$stage/$(dirname "$dest")"
		cp -rL "$src" "$stage/$dest"
	done
	for src in "${OVERLAYS[@]}"; do
		cp -rL "$src/." "$stage/"
	done
}

main() {
	parse_args "$@"
	local base run
	base=$(base_archive)
	STAGE=$(mktemp -d)
	trap 'rm -rf "$STAGE"' EXIT
	local stage=$STAGE
	build_run "$stage/root"
	run=$stage/run.cpio
	mkcpio "$stage/root" "$run"
	# Uncompressed is the default: under TCG the guest inflates gzip slowly and
	# QEMU copies the initrd with fw_cfg DMA (fast even for tens of MB).
	if [[ $COMPRESS == gzip ]]; then
		cat "$base" "$run" | gzip -1 -n >"$OUT.tmp"
	else
		cat "$base" "$run" >"$OUT.tmp"
	fi
	atomic_mv "$OUT.tmp" "$OUT"
}

main "$@"
