#!/bin/bash
# kcache.sh - fetch and cache Debian kernel headers, kernel images and build
# chroots for the ptp-pure kernel-series matrix.
#
# Usage:
#   kcache.sh list                    series names, space-separated
#   kcache.sh kdir SERIES             KREL= KDIR= KARCH= KCROSS= KCC= KCHROOT=
#   kcache.sh image SERIES            KREL= VMLINUZ= MODROOT=
#   kcache.sh run SERIES [--bind DIR]... -- CMD [ARG...]
#   kcache.sh checkpatch              KSCRIPTS=  ($KSCRIPTS/checkpatch.pl ...)
#   kcache.sh qemu10                  QEMU10= QEMU10_VERSION=  (QEMU >= 10 from
#                                     bookworm-backports: $QEMU10 is a wrapper
#                                     taking qemu-system-x86_64's arguments)
#   kcache.sh qemu-plugin-h           QEMU_PLUGIN_H= QEMU_PLUGIN_SRCVER=  (the
#                                     TCG plugin header of the installed
#                                     qemu-system-x86, from its source package)
#   kcache.sh check-s390x             CHECK_S390X=  (libcheck and libsubunit of
#                                     bookworm for s390x, unpacked: the static
#                                     libraries the s390x ptp_test links)
#   kcache.sh intree-src SERIES FILE...  INTREE_SRC=  (FILEs, paths in the
#                                     kernel tree, from Debian's linux-source
#                                     package of exactly that kernel, e.g. to
#                                     build drivers/ptp/ptp_s390.c where
#                                     Debian's config leaves it out)
#   kcache.sh check-arm64             CHECK_ARM64=  (libcheck and libsubunit of
#                                     bookworm for arm64, unpacked: the static
#                                     libraries the arm64 ptp_test links)
#   kcache.sh chrony-arm64            CHRONY_ARM64=  (chronyd/chronyc of bookworm
#                                     for arm64 with the libraries they load,
#                                     unpacked: for arm64 guests --with-chrony)
#   kcache.sh refresh                 force a refresh of the package indexes
#
# Result lines (stdout) are shell-eval-able (values are %q-quoted); all
# progress goes to stderr.
#
# `run` executes CMD in the build environment of SERIES with KREL, KDIR,
# KARCH, KCROSS, KCC and KCHROOT exported.  Series 7 builds run inside a
# trixie chroot (private mount + pid namespace, /proc mounted): $PWD and each
# --bind DIR are bind-mounted at the same absolute paths inside the chroot
# (mount points are created there), so paths are identical inside and
# outside; CMD starts in $PWD.  Paths below $KCHROOT are used as they are.
# Other series run CMD directly on the host.
#
# Environment:
#   PTP_PURE_CACHE   cache root (default /var/cache/ptp-pure)
#   PTP_PURE_MIRROR  Debian mirror base URL (default http://deb.debian.org)
#
# Cache layout (everything downloaded lives here, never in the repository):
#   apt/               private apt configuration, indexes and stamp
#   state/SERIES.env   newest package set resolved from the current indexes
#   kernels/KREL/      unpacked, self-contained header trees (dpkg -x)
#   images/KREL/       unpacked kernel images and modules
#   chroots/trixie-KREL/  build chroots (series 7)
#   chroots/trixie-cross-s390x/  toolchain-only chroot with the s390x cross
#                      compiler (series s390x-7: headers from kernels/KREL/)
#   apt-s390x/         private apt configuration of the s390x backports
#                      (series s390x-6.12, s390x-7): apart from apt/, whose
#                      sources.list other checkouts sharing the cache keep
#   chroots/trixie-cross-arm64/  the same for arm64 (series arm64-7)
#   apt-arm64/         private apt configuration of the arm64 kernels (series
#                      arm64-*), apart from apt/ like apt-s390x/
#   check-arm64/, chrony-arm64/  arm64 packages of bookworm, unpacked
#   apt-src/           private apt configuration for bookworm main's deb-src
#   kernel-scripts/    checkpatch.pl & co from linux-source-6.1
#   qemu-plugin/VER/   qemu-plugin.h of QEMU source version VER (bench/insn)
#   qemu10/            qemu-system-x86 of bookworm-backports (+ what the host
#                      lacks of its dependencies), unpacked; bin/ holds the
#                      wrapper.  Kept once made: remove it to get a newer one.
#   tmp/               work area; anything here is garbage after a run
# A tree is trusted only if it carries a .kcache-ok marker; trees are built in
# tmp/ and renamed into place, so an interrupted run leaves nothing trusted.
set -euo pipefail

CACHE=$(realpath -m "${PTP_PURE_CACHE:-/var/cache/ptp-pure}")
MIRROR=${PTP_PURE_MIRROR:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT=$CACHE/apt
STAMP=$APT/update.stamp        # last successful index refresh
TRIED=$APT/update.tried        # last refresh attempt
INDEX_MAX_AGE=$((24 * 3600))
RETRY_AGE=3600                 # after a failed (offline) refresh
SERIES_ALL="5.10 6.1 6.12 7 s390x s390x-6.12 s390x-7"
# arm64 series (Debian arm64 kernels, cross-built)
SERIES_ALL+=" arm64-6.1 arm64-6.12 arm64-7"
CHROOT_PKGS=gcc-14,make,binutils,libelf-dev,dwarves,bc,kmod
SELF=$(realpath "$0")
ORIG_ARGS=("$@")
# Set when this script re-executes itself after an index refresh; not
# passed on to anything else we run.
UPDATED=${KCACHE_UPDATED:-0}   # indexes already refreshed by this run
LOCKED=${KCACHE_LOCKED:-0}     # fd 9 holds the cache lock
unset KCACHE_UPDATED KCACHE_LOCKED
TMPDIRS=()

log() { printf 'kcache: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
emit() { printf '%s=%q\n' "$1" "$2"; }

cleanup() {
	local d
	for d in "${TMPDIRS[@]}"; do
		safe_rm "$d"
	done
}
trap cleanup EXIT

# rm -rf that never crosses into a mount left behind by an interrupted
# mmdebstrap (a stray bind of /dev or /proc must not be recursed into).
safe_rm() {
	local d=$1 m
	[[ -e $d || -L $d ]] || return 0
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v p="$d/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
	rm -rf --one-file-system "$d"
}

# mktmp VAR NAME: create a work dir (removed on exit) and store it in VAR.
mktmp() {
	local d
	d=$(mktemp -d "$CACHE/tmp/$2.XXXXXX")
	TMPDIRS+=("$d")
	printf -v "$1" '%s' "$d"
}

# Atomically put directory $1 at $2 (replacing an older $2).
install_dir() {
	local src=$1 dst=$2 old=
	mkdir -p "$(dirname "$dst")"
	if [[ -e $dst ]]; then
		mktmp old old
		mv "$dst" "$old/"
	fi
	mv "$src" "$dst"
	[[ -z $old ]] || safe_rm "$old"
}

# Serialize all cache mutations.  Every tmp/ entry is created under the lock,
# so whatever is in tmp/ when we get the lock is debris of an interrupted run.
lock_cache() {
	((LOCKED == 0)) || return 0   # inherited across a restart
	mkdir -p "$CACHE/tmp"
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		log "waiting for the cache lock ($CACHE/.lock)"
		flock 9
	fi
	LOCKED=1
	local d
	for d in "$CACHE"/tmp/*; do
		safe_rm "$d"
	done
}

unlock_cache() {
	flock -u 9 2>/dev/null || true
	exec 9>&-
	LOCKED=0
}

# ---------------------------------------------------------------- apt ----

# use_apt DIR WRITER: the private apt configuration in DIR, whose sources.list
# is printed by the function WRITER.  Two are used: $CACHE/apt (binary
# packages, write_sources) and $CACHE/apt-src (bookworm main's deb-src for
# `qemu-plugin-h`, write_src_sources): a separate directory, so that the
# Sources index is fetched only by those who need it and an older kcache.sh
# sharing the cache never sees a sources.list it would rewrite.
use_apt() {
	APT=$1 SOURCES_WRITER=$2
	STAMP=$APT/update.stamp        # last successful index refresh
	TRIED=$APT/update.tried        # last refresh attempt
	set_apt_opts
}

set_apt_opts() {
APT_OPTS=(
	-o "Dir::Etc::sourcelist=$APT/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::Etc::preferences=$APT/preferences" -o "Dir::Etc::preferencesparts=$APT/preferences.d"
	-o "Dir::State::Lists=$APT/lists" -o "Dir::State::status=$APT/status"
	-o "Dir::Cache=$APT" -o "Dir::Cache::Archives=$APT/archives"
	-o "Dir::Cache::pkgcache=$APT/pkgcache.bin" -o Dir::Cache::srcpkgcache=
	-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=s390x
	-o APT::Architectures::=arm64
	-o Acquire::Languages=none -o APT::Sandbox::User=root
	-o Acquire::http::Timeout=20 -o Acquire::Retries=1
)
}
SOURCES_WRITER=write_sources
set_apt_opts

aptc() { apt-cache "${APT_OPTS[@]}" "$@"; }

write_sources() {
	local kr="signed-by=$KEYRING" d=$MIRROR/debian s=$MIRROR/debian-security
	cat <<-EOF
		deb [arch=amd64 $kr] $d bullseye main
		deb [arch=amd64 $kr] $s bullseye-security main
		deb [arch=amd64,s390x $kr] $d bookworm main
		deb [arch=amd64,s390x $kr] $s bookworm-security main
		deb [arch=amd64 $kr] $d bookworm-updates main
		deb [arch=amd64 $kr] $d bookworm-backports main
		deb [arch=amd64 $kr] $d trixie main
		deb [arch=amd64 $kr] $s trixie-security main
		deb [arch=amd64 $kr] $d trixie-backports main
	EOF
}

# s390x kernels of the backports (series s390x-6.12 and s390x-7), in their
# own apt directory: adding s390x to apt/'s backports lines would make every
# checkout with the older list rewrite it and refresh all indexes.
write_s390x_sources() {
	local kr="signed-by=$KEYRING" d=$MIRROR/debian
	cat <<-EOF
		deb [arch=amd64,s390x $kr] $d bookworm-backports main
		deb [arch=amd64,s390x $kr] $d trixie-backports main
	EOF
}

# The arm64 kernels (series arm64-*), in their own apt directory: the
# arm64 headers and images of bookworm, bookworm-backports and
# trixie-backports, with amd64 for the kbuild tools that run on the host.
write_arm64_sources() {
	local kr="signed-by=$KEYRING" d=$MIRROR/debian s=$MIRROR/debian-security
	cat <<-EOF
		deb [arch=amd64,arm64 $kr] $d bookworm main
		deb [arch=amd64,arm64 $kr] $s bookworm-security main
		deb [arch=amd64,arm64 $kr] $d bookworm-backports main
		deb [arch=amd64,arm64 $kr] $d trixie-backports main
	EOF
}

# The source index for `qemu-plugin-h` (its own apt directory, see use_apt).
write_src_sources() {
	echo "deb-src [signed-by=$KEYRING] $MIRROR/debian bookworm main"
}

# (Re)create the private apt configuration; a changed sources.list
# invalidates the indexes.
apt_setup() {
	mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/preferences.d" "$CACHE/state"
	[[ -e $APT/status ]] || : >"$APT/status"
	local new
	new=$("$SOURCES_WRITER")
	if [[ ! -f $APT/sources.list || $(<"$APT/sources.list") != "$new" ]]; then
		printf '%s\n' "$new" >"$APT/sources.list"
		rm -f "$STAMP"
	fi
}

# age_below FILE SECONDS
age_below() {
	[[ -f $1 ]] || return 1
	(($(date +%s) - $(stat -c %Y "$1") < $2))
}

# Indexes need no refresh: refreshed within 24 h, or a refresh failed less
# than an hour ago (offline; do not slow every run down with retries).
index_fresh() {
	age_below "$STAMP" "$INDEX_MAX_AGE" || age_below "$TRIED" "$RETRY_AGE"
}

# apt-get update, tolerating failures of individual indexes (mirror syncs,
# a missing architecture): apt-get exits 0 even if every fetch failed, so
# judge by its Hit/Get and Err lines.  The stamp is set if the network
# answered at all; an offline run keeps using the cached indexes and tries
# again next time.
apt_update() {
	local out='' try
	UPDATED=1
	touch "$TRIED"
	rm -f "$CACHE/state/"*.unavailable
	for try in "" " (retry)"; do
		log "refreshing Debian package indexes$try"
		out=$(apt-get "${APT_OPTS[@]}" -q update 2>&1) || true
		if ! grep -qE '^(Err:|E:|W: Failed|W: Some index)' <<<"$out"; then
			touch "$STAMP"
			return 0
		fi
		grep -E '^(E|W):' <<<"$out" | head -n 5 >&2 || true
		grep -qE '^(Hit|Get):' <<<"$out" || break   # nothing answered
	done
	if grep -qE '^(Hit|Get):' <<<"$out"; then
		log "some indexes failed to download; continuing with the rest"
		touch "$STAMP"
	else
		log "warning: index refresh failed (offline?); using the cached indexes"
	fi
}

ensure_index() {
	apt_setup
	if ! index_fresh && ((UPDATED == 0)); then
		apt_update
	fi
	[[ -n $(find "$APT/lists" -maxdepth 1 \( -name '*Packages*' -o -name '*Sources*' \) -print -quit) ]] ||
		die "no package indexes in $APT/lists"
}

# Something we need is missing from the (possibly stale) indexes or the
# mirror: refresh once and start over from scratch with the new indexes.
refresh_and_restart() {
	((UPDATED == 0)) || die "$1"
	log "$1; refreshing indexes and retrying"
	apt_update
	cleanup   # exec skips the EXIT trap
	KCACHE_UPDATED=1 KCACHE_LOCKED=$LOCKED exec "$SELF" "${ORIG_ARGS[@]}"
}

# Newest package name with prefix $1 matching extended regex $2 (sort -V).
newest_name() {
	aptc pkgnames "$1" 2>/dev/null | grep -E "$2" | sort -V | tail -n 1 || true
}

# Candidate-independent version list of PKG[:ARCH], newest first.
versions_of() {
	aptc madison "$1" 2>/dev/null | awk -F' *[|] *' '{print $2}' | sort -Vr -u || true
}

has_version() { versions_of "$1" | grep -qxF "$2"; }

# Field $2 of version $3 of package $1.
pkg_field() {
	aptc show "$1=$3" 2>/dev/null | sed -n "s/^$2: //p" | head -n 1
}

# Names in a Depends field (first alternative, no version constraint).
dep_names() {
	tr ',' '\n' <<<"$1" | sed -e 's/|.*//' -e 's/^ *//' -e 's/[ (].*//' | sed '/^$/d'
}

# -------------------------------------------------------------- series ---

# Per-series constants: S_RE (headers package name pattern), S_ARCH (dpkg
# arch), S_KARCH, S_CROSS, S_CC (CC= override) and S_CHROOT (suite or empty:
# with S_CROSS, a toolchain-only chroot runs the build against the header
# tree unpacked in the cache).  s390x is 6.1; s390x-6.12 and s390x-7 come
# from the backports (apt-s390x/); the arm64-* series from apt-arm64/.
series_conf() {
	S_ARCH=amd64 S_KARCH=x86 S_CROSS='' S_CC='' S_CHROOT='' S_OLDER=0 SERIES_NAME=$1
	case $1 in
	5.10)
		S_RE='^linux-headers-5\.10\.0-[0-9]+-amd64$'
		# Debian 5.10 headers ask for gcc-10 (not in bookworm); 5.10 has
		# no compiler version check and gcc-12 builds it warning-free.
		S_CC=gcc-12 ;;
	6.1) S_RE='^linux-headers-6\.1\.0-[0-9]+-amd64$' ;;
	6.12) S_RE='^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' ;;
	7)
		S_RE='^linux-headers-7\.[0-9]+\.[0-9]+\+deb13-amd64$'
		S_CHROOT=trixie ;;
	s390x)
		S_RE='^linux-headers-6\.1\.0-[0-9]+-s390x$'
		S_ARCH=s390x S_KARCH=s390 S_CROSS=s390x-linux-gnu- ;;
	s390x-6.12)
		S_RE='^linux-headers-6\.12\.[0-9]+\+deb12-s390x$'
		S_ARCH=s390x S_KARCH=s390 S_CROSS=s390x-linux-gnu-
		use_apt "$CACHE/apt-s390x" write_s390x_sources ;;
	s390x-7)
		S_RE='^linux-headers-7\.[0-9]+\.[0-9]+\+deb13-s390x$'
		S_ARCH=s390x S_KARCH=s390 S_CROSS=s390x-linux-gnu- S_CHROOT=trixie S_OLDER=1
		use_apt "$CACHE/apt-s390x" write_s390x_sources ;;
	# arm64: Debian's arm64 kernels, cross-built (apt-arm64/).
	arm64-6.1)
		S_RE='^linux-headers-6\.1\.0-[0-9]+-arm64$'
		S_ARCH=arm64 S_KARCH=arm64 S_CROSS=aarch64-linux-gnu-
		use_apt "$CACHE/apt-arm64" write_arm64_sources ;;
	arm64-6.12)
		S_RE='^linux-headers-6\.12\.[0-9]+\+deb12-arm64$'
		S_ARCH=arm64 S_KARCH=arm64 S_CROSS=aarch64-linux-gnu-
		use_apt "$CACHE/apt-arm64" write_arm64_sources ;;
	arm64-7)
		S_RE='^linux-headers-7\.[0-9]+\.[0-9]+\+deb13-arm64$'
		S_ARCH=arm64 S_KARCH=arm64 S_CROSS=aarch64-linux-gnu- S_CHROOT=trixie S_OLDER=1
		use_apt "$CACHE/apt-arm64" write_arm64_sources ;;
	*) die "unknown series '$1' (known: $SERIES_ALL)" ;;
	esac
}

# Resolve the newest package set of series $1 from the indexes into
# R_KREL, R_VER (headers version) and R_PKGS (apt-get download specs).
resolve_series() {
	local hdr deps d common='' kbuild=''
	hdr=$(aptc pkgnames linux-headers- 2>/dev/null | grep -E "$S_RE" | unavailable_filter |
		sort -V | tail -n 1 || true)
	[[ -n $hdr ]] || refresh_and_restart "no package matches $S_RE"
	R_KREL=${hdr#linux-headers-}
	R_VER=$(versions_of "$hdr:$S_ARCH" | head -n 1)
	[[ -n $R_VER ]] || refresh_and_restart "no version of $hdr:$S_ARCH"
	deps=$(pkg_field "$hdr:$S_ARCH" Depends "$R_VER")
	for d in $(dep_names "$deps"); do
		case $d in
		linux-headers-*-common) common=$d ;;
		linux-kbuild-*) kbuild=$d ;;
		esac
	done
	[[ -n $common && -n $kbuild ]] || die "cannot find -common/kbuild in Depends of $hdr: $deps"
	# The kbuild tools always run on the (amd64) host and must be of exactly
	# the headers' version (Depends only says >=).
	has_version "$kbuild:amd64" "$R_VER" || refresh_and_restart "$kbuild:amd64=$R_VER not in the indexes"
	R_PKGS="$hdr:$S_ARCH=$R_VER $common=$R_VER $kbuild:amd64=$R_VER"
}

# Load the resolution of series $1 from state/, or resolve it again if the
# indexes changed since.  Sets R_KREL, R_VER, R_PKGS.
load_series() {
	local s=$1 st=$CACHE/state/$1.env
	ensure_index
	if [[ -f $st && (! -f $STAMP || $st -nt $STAMP) ]]; then
		# shellcheck source=/dev/null
		. "$st"
		return 0
	fi
	resolve_series "$s"
	{
		emit R_KREL "$R_KREL"
		emit R_VER "$R_VER"
		emit R_PKGS "$R_PKGS"
	} >"$st.tmp"
	mv "$st.tmp" "$st"
}

# apt-get download SPECS into DIR; a failure (package gone from the mirror)
# triggers one index refresh + restart.
download() {
	local dir=$1
	shift
	log "downloading $*"
	if ! (cd "$dir" && apt-get "${APT_OPTS[@]}" -q download "$@" >&2); then
		((S_OLDER == 0)) || ((UPDATED == 0)) || mark_unavailable
		refresh_and_restart "download of $* failed"
	fi
}

# Series with S_OLDER=1 (s390x-7, arm64-7) fall back to an older kernel when the
# mirror does not serve the newest one the index lists (seen: every s390x
# 7.x after 7.2.6 answered 404).  A kernel whose download failed after a
# fresh index is listed in state/SERIES.unavailable until the next index
# refresh, and resolution picks the newest kernel not listed.
unavailable_file() { printf '%s\n' "$CACHE/state/$SERIES_NAME.unavailable"; }

unavailable_filter() {
	local f
	f=$(unavailable_file)
	if ((S_OLDER)) && [[ -s $f && -f $STAMP && $f -nt $STAMP ]]; then
		grep -vxF -f <(sed 's/^/linux-headers-/' "$f")
	else
		cat
	fi
}

mark_unavailable() {
	local f
	f=$(unavailable_file)
	log "$R_KREL cannot be downloaded from the mirror: trying an older $SERIES_NAME kernel"
	echo "$R_KREL" >>"$f"
	rm -f "$CACHE/state/$SERIES_NAME.env"
	cleanup
	KCACHE_UPDATED=1 KCACHE_LOCKED=$LOCKED exec "$SELF" "${ORIG_ARGS[@]}"
}

unpack_debs() {
	local dir=$1 root=$2 deb
	mkdir -p "$root"
	for deb in "$dir"/*.deb; do
		dpkg -x "$deb" "$root"
	done
}

marker_ok() { [[ -f $1/.kcache-ok && $(<"$1/.kcache-ok") == "$2" ]]; }

# ------------------------------------------------------- header trees ---

# Make a dpkg -x'ed header tree at $1 self-contained for its final place $2:
# the flavour Makefile includes (and on 7.x sets KBUILD_OUTPUT to) absolute
# /usr/src paths, and lib/modules/KREL/{build,source} are absolute symlinks.
fix_tree() {
	local root=$1 final=$2 mk
	for mk in "$root"/usr/src/linux-headers-*/Makefile; do
		if grep -qE '^(include|KBUILD_OUTPUT) *[:=]? */usr/src/' "$mk"; then
			sed -i -E "s#^(include|KBUILD_OUTPUT *[:=]?) */usr/src/#\\1 $final/usr/src/#" "$mk"
		fi
	done
	fix_links "$root"
}

# Absolute symlinks below $1 whose target is in the tree become relative.
fix_links() {
	local root=$1 l t
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		if [[ -e $root$t || -L $root$t ]]; then
			ln -sfn "$(realpath -ms --relative-to="$(dirname "$l")" "$root$t")" "$l"
		fi
	done < <(find "$root" -type l -lname '/*' -print0)
}

ensure_headers() {
	local dest=$CACHE/kernels/$R_KREL tmp kdir
	kdir=$dest/usr/src/linux-headers-$R_KREL
	marker_ok "$dest" "$R_VER" && return 0
	mktmp tmp kernel
	# shellcheck disable=SC2086 # R_PKGS is a word list
	download "$tmp" $R_PKGS
	log "unpacking $R_KREL"
	unpack_debs "$tmp" "$tmp/root"
	fix_tree "$tmp/root" "$dest"
	[[ -f $tmp/root/usr/src/linux-headers-$R_KREL/include/config/auto.conf &&
		-d $tmp/root/usr/src/linux-headers-$R_KREL/scripts/mod ]] ||
		die "unpacked tree for $R_KREL is incomplete"
	printf '%s\n' "$R_VER" >"$tmp/root/.kcache-ok"
	install_dir "$tmp/root" "$dest"
	log "headers ready in $kdir"
}

# ------------------------------------------------------------- chroot ---

chroot_root() { printf '%s\n' "$CACHE/chroots/$S_CHROOT-$R_KREL"; }

# minbase_chroot DIR PACKAGES [SOURCE...]: mmdebstrap a minbase chroot of
# suite $S_CHROOT (main and security, plus SOURCEs) with PACKAGES.
minbase_chroot() {
	local dir=$1 pkgs=$2 kr="signed-by=$KEYRING"
	shift 2
	mmdebstrap --variant=minbase --mode=root --quiet \
		--include="$pkgs" \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		"$S_CHROOT" "$dir" \
		"deb [$kr] $MIRROR/debian $S_CHROOT main" "$@" \
		"deb [$kr] $MIRROR/debian-security $S_CHROOT-security main" >&2 ||
		die "mmdebstrap failed"
}

# A minbase chroot of suite $S_CHROOT with the toolchain and the series'
# headers package from $S_CHROOT-backports.
ensure_chroot() {
	local root tmp d hdr=linux-headers-$R_KREL kr="signed-by=$KEYRING" t0
	root=$(chroot_root)
	marker_ok "$root" "$R_VER" && return 0
	mktmp tmp chroot
	t0=$SECONDS
	log "creating $S_CHROOT build chroot for $R_KREL (mmdebstrap, ~30 s, ~450 MB)"
	minbase_chroot "$tmp/root" "$CHROOT_PKGS,$hdr" \
		"deb [$kr] $MIRROR/debian $S_CHROOT-backports main"
	[[ -f $tmp/root/usr/src/$hdr/Makefile ]] || die "chroot lacks /usr/src/$hdr"
	printf '%s\n' "$R_VER" >"$tmp/root/.kcache-ok"
	install_dir "$tmp/root" "$root"
	# Older chroots of this series are superseded (not the cross chroots).
	for d in "$CACHE/chroots/$S_CHROOT"-*; do
		[[ $d == "$root" || $d == "$CACHE/chroots/$S_CHROOT"-cross-* ]] ||
			{ log "removing old chroot $d"; safe_rm "$d"; }
	done
	log "chroot ready in $root ($((SECONDS - t0)) s)"
}

# A chroot of suite $S_CHROOT with only the toolchain and the cross compiler
# for $S_CROSS: the build runs there (kbuild tools that need its glibc)
# against the header tree unpacked in kernels/KREL/, bind-mounted at the
# same path.  Kept across kernel versions.
CROSS_CHROOT_VER=1
cross_chroot_root() { printf '%s\n' "$CACHE/chroots/$S_CHROOT-cross-${S_ARCH}"; }

ensure_cross_chroot() {
	local root tmp t0 cc=gcc-${S_CROSS%-}
	root=$(cross_chroot_root)
	marker_ok "$root" "$CROSS_CHROOT_VER $cc" && return 0
	mktmp tmp chroot
	t0=$SECONDS
	log "creating $S_CHROOT cross chroot for $S_ARCH (mmdebstrap, ~40 s)"
	minbase_chroot "$tmp/root" "$CHROOT_PKGS,$cc,libssl3"
	[[ -x $tmp/root/usr/bin/${S_CROSS}gcc ]] || die "cross chroot lacks ${S_CROSS}gcc"
	printf '%s\n' "$CROSS_CHROOT_VER $cc" >"$tmp/root/.kcache-ok"
	install_dir "$tmp/root" "$root"
	log "cross chroot ready in $root ($((SECONDS - t0)) s)"
}

# ------------------------------------------------------------ commands ---

# Ensure the build environment of series $1; sets the K* variables.
setup_kdir() {
	series_conf "$1"
	lock_cache
	load_series "$1"
	KREL=$R_KREL KARCH=$S_KARCH KCROSS=$S_CROSS KCC=$S_CC KBIND=
	if [[ -n $S_CHROOT && -n $S_CROSS ]]; then
		ensure_headers
		ensure_cross_chroot
		KCHROOT=$(cross_chroot_root)
		KDIR=$CACHE/kernels/$R_KREL/usr/src/linux-headers-$R_KREL
		KBIND=$CACHE/kernels/$R_KREL
	elif [[ -n $S_CHROOT ]]; then
		ensure_chroot
		KCHROOT=$(chroot_root)
		KDIR=/usr/src/linux-headers-$R_KREL
	else
		ensure_headers
		KCHROOT=
		KDIR=$CACHE/kernels/$R_KREL/usr/src/linux-headers-$R_KREL
	fi
	unlock_cache
}

cmd_kdir() {
	setup_kdir "$1"
	emit KREL "$KREL"
	emit KDIR "$KDIR"
	emit KARCH "$KARCH"
	emit KCROSS "$KCROSS"
	emit KCC "$KCC"
	emit KCHROOT "$KCHROOT"
}

# Exists package $1 in version $R_VER for $S_ARCH?
pkg_exists() { has_version "$1:$S_ARCH" "$R_VER"; }

# Prefer the unsigned variant of an image package (Debian names them
# linux-image-KREL-unsigned and, from 7.x, linux-binary-unsigned-KREL).
prefer_unsigned() {
	local n=$1 c
	for c in "$n-unsigned" "${n/#linux-binary-/linux-binary-unsigned-}"; do
		if [[ $c != "$n" ]] && pkg_exists "$c"; then
			printf '%s\n' "$c"
			return 0
		fi
	done
	printf '%s\n' "$n"
}

# Download specs of a bootable kernel: the image package plus those of its
# dependencies that belong to the same release (7.x splits the image into
# linux-binary- (vmlinuz), linux-modules- and linux-base- packages).
# Sets IMG_SPECS.
image_specs() {
	local main d
	main=$(prefer_unsigned "linux-image-$R_KREL")
	pkg_exists "$main" || refresh_and_restart "no $main:$S_ARCH=$R_VER in the indexes"
	IMG_SPECS=("$main:$S_ARCH=$R_VER")
	for d in $(dep_names "$(pkg_field "$main:$S_ARCH" Depends "$R_VER")"); do
		[[ $d == *"$R_KREL"* ]] || continue
		d=$(prefer_unsigned "$d")
		pkg_exists "$d" || refresh_and_restart "no $d:$S_ARCH=$R_VER in the indexes"
		IMG_SPECS+=("$d:$S_ARCH=$R_VER")
	done
}

# Directory below image root $1 containing lib/modules/$R_KREL.
image_modroot() {
	local d
	for d in "$1" "$1/usr"; do
		[[ -d $d/lib/modules/$R_KREL/kernel ]] && { printf '%s\n' "$d"; return 0; }
	done
	return 1
}

# The kernel image below image root $1: boot/vmlinuz-KREL up to 6.x; 7.x's
# linux-binary[-unsigned]-KREL ship usr/lib/modules/KREL/vmlinuz[.unsigned].
image_vmlinuz() {
	local f
	for f in "$1/boot/vmlinuz-$R_KREL" "$1"{/usr,}"/lib/modules/$R_KREL/vmlinuz"{,.unsigned}; do
		[[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
	done
	return 1
}

ensure_image() {
	local dest=$CACHE/images/$R_KREL tmp mr
	marker_ok "$dest" "$R_VER" && return 0
	image_specs
	mktmp tmp image
	download "$tmp" "${IMG_SPECS[@]}"
	log "unpacking image $R_KREL"
	unpack_debs "$tmp" "$tmp/root"
	image_vmlinuz "$tmp/root" >/dev/null || die "no vmlinuz in ${IMG_SPECS[*]}"
	mr=$(image_modroot "$tmp/root") || die "no lib/modules/$R_KREL in ${IMG_SPECS[*]}"
	# Packages do not ship modules.dep (postinst runs depmod): make it here
	# so that modprobe works in a guest.
	depmod -b "$mr" "$R_KREL" 2>/dev/null || log "warning: depmod failed for $R_KREL"
	printf '%s\n' "$R_VER" >"$tmp/root/.kcache-ok"
	install_dir "$tmp/root" "$dest"
}

cmd_image() {
	local dest
	series_conf "$1"
	lock_cache
	load_series "$1"
	ensure_image
	unlock_cache
	dest=$CACHE/images/$R_KREL
	emit KREL "$R_KREL"
	emit VMLINUZ "$(image_vmlinuz "$dest")"
	emit MODROOT "$(image_modroot "$dest")"
}

# The bits of the kernel tree that no headers package ships.
KSCRIPT_FILES="checkpatch.pl spelling.txt const_structs.checkpatch kernel-doc"

cmd_checkpatch() {
	local dest=$CACHE/kernel-scripts tmp ver deb tarball f members=()
	lock_cache
	if [[ ! -f $dest/.kcache-ok ]]; then
		ensure_index
		ver=$(versions_of linux-source-6.1:amd64 | head -n 1)
		[[ -n $ver ]] || refresh_and_restart "no linux-source-6.1 in the indexes"
		mktmp tmp kscripts
		download "$tmp" "linux-source-6.1=$ver"
		deb=$(echo "$tmp"/linux-source-6.1_*.deb)
		tarball=$(dpkg-deb -c "$deb" | awk '{print $NF}' | grep -E '/linux-source-[^/]*\.tar\.xz$' | head -n 1)
		[[ -n $tarball ]] || die "no source tarball in $deb"
		for f in $KSCRIPT_FILES; do
			members+=("$(basename "$tarball" .tar.xz)/scripts/$f")
		done
		log "extracting ${KSCRIPT_FILES// /, } from $(basename "$tarball")"
		mkdir -p "$tmp/out"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" |
			tar -xJ -C "$tmp/out" --strip-components=2 "${members[@]}"
		rm -f "$deb"
		for f in $KSCRIPT_FILES; do
			[[ -s $tmp/out/$f ]] || die "missing $f after extraction"
		done
		printf '%s\n' "$ver" >"$tmp/out/.kcache-ok"
		install_dir "$tmp/out" "$dest"
	fi
	unlock_cache
	emit KSCRIPTS "$dest"
}

# ------------------------------------------------------------- qemu10 ---

# A QEMU newer than the system's (7.2 in bookworm) for tests of devices it
# lacks (-device vmclock is in QEMU >= 10), never installed: the packages of
# bookworm-backports are unpacked into the cache and run from there.  The
# host's libraries serve where they satisfy the Depends; anything else comes
# from a bookworm suite into the same tree (LD_LIBRARY_PATH).
QEMU10_SUITE=bookworm-backports
QEMU10_PKGS="qemu-system-x86 qemu-system-common qemu-system-data"
QEMU10_MIN=10

# Newest version of package $1 (amd64 or all) in suites matching ERE $2.
suite_version() {
	aptc madison "$1" 2>/dev/null |
		awk -F' *[|] *' -v re="$2" '$3 ~ re && $3 !~ / s390x / {print $2}' |
		sort -Vr -u | head -n 1 || true
}

# Versions of package $1 in the bookworm suites, newest first.
bookworm_versions() {
	aptc madison "$1" 2>/dev/null |
		awk -F' *[|] *' '$3 ~ / bookworm(-[a-z]+)?\// && $3 !~ / s390x / {print $2}' |
		sort -Vr -u || true
}

# dep_ok VERSION [OP REQ]: VERSION (empty: not there) satisfies "OP REQ".
dep_ok() {
	[[ -n $1 ]] || return 1
	[[ -n ${2-} ]] || return 0
	local op=$2
	case $op in '<<') op=lt ;; '<=') op=le ;; '=') op=eq ;; '>=') op=ge ;; '>>') op=gt ;; esac
	dpkg --compare-versions "$1" "$op" "$3"
}

# installed_version PKG: the host's version of PKG, if it is installed.
installed_version() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' "$1" 2>/dev/null) || return 0
	[[ $s == ii* ]] && printf '%s\n' "${s#*|}"
	return 0
}

# qemu10_closure: the download specs (Q_SPECS) for the QEMU packages of
# version $Q_VER and every dependency the host does not satisfy, taken from
# a bookworm suite; dies naming the dependency that nothing satisfies.
qemu10_closure() {
	local queue=() seen=' ' p clause alt name op req have v ok
	Q_SPECS=()
	for p in $QEMU10_PKGS; do
		Q_SPECS+=("$p=$Q_VER")
		queue+=("$p=$Q_VER")
		seen+="$p "
	done
	while ((${#queue[@]})); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		while IFS= read -r clause; do
			[[ -n $clause ]] || continue
			ok=0
			# An alternative is satisfied by the host, or by something we fetch.
			while IFS= read -r alt; do
				read -r name op req <<<"$(sed -E 's/^ *([^ (]+) *(\(([<>=]+) *([^)]+)\))?.*/\1 \3 \4/' <<<"$alt")"
				name=${name%:any}
				if [[ $seen == *" $name "* ]]; then ok=1; break; fi
				have=$(installed_version "$name")
				if dep_ok "$have" "$op" "$req"; then ok=1; break; fi
			done < <(tr '|' '\n' <<<"$clause")
			((ok)) && continue
			# Not on the host: the first alternative from bookworm.
			read -r name op req <<<"$(sed -E 's/\|.*//; s/^ *([^ (]+) *(\(([<>=]+) *([^)]+)\))?.*/\1 \3 \4/' <<<"$clause")"
			name=${name%:any}
			have=$(installed_version "$name")
			for v in $(bookworm_versions "$name") ''; do
				dep_ok "$v" "$op" "$req" && break
			done
			[[ -n $v ]] || die "qemu10: $p depends on '$clause': the host has ${have:-no $name} and no bookworm suite has a version that fits"
			log "qemu10: $p needs $name${op:+ $op $req} (host: ${have:-none}): fetching $v"
			Q_SPECS+=("$name=$v")
			queue+=("$name=$v")
			seen+="$name "
		done < <(pkg_field "${p%%=*}" Depends "${p#*=}" | tr ',' '\n'
			pkg_field "${p%%=*}" Pre-Depends "${p#*=}" | tr ',' '\n')
	done
}

# The wrapper: QEMU's binary with our libraries, modules and firmware.
qemu10_wrapper() {
	cat <<-'EOF'
		#!/bin/sh
		# qemu-system-x86_64 unpacked by tools/kcache.sh qemu10 (not installed):
		# its libraries, modules and firmware directories are those of this tree
		# (-L before the built-in /usr/share/qemu and /usr/share/seabios).
		root=$(cd "$(dirname "$0")/.." && pwd) || exit 1
		LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
		QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu
		export LD_LIBRARY_PATH QEMU_MODULE_DIR
		exec "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "$@"
	EOF
}

cmd_qemu10() {
	local dest=$CACHE/qemu10 tmp t0 bytes ver debs
	# Made once and put in place by a rename: a ready tree needs no lock
	# (a VM run must not wait for another user's chroot build).
	[[ -f $dest/.kcache-ok && -x $dest/bin/qemu-system-x86_64 ]] || lock_cache
	if [[ ! -f $dest/.kcache-ok || ! -x $dest/bin/qemu-system-x86_64 ]]; then
		t0=$SECONDS
		ensure_index
		Q_VER=$(suite_version qemu-system-x86 " $QEMU10_SUITE/")
		[[ -n $Q_VER ]] || refresh_and_restart "no qemu-system-x86 in $QEMU10_SUITE"
		ver=${Q_VER#*:}
		((${ver%%.*} >= QEMU10_MIN)) ||
			die "qemu10: $QEMU10_SUITE has qemu-system-x86 $Q_VER, older than $QEMU10_MIN"
		log "qemu10: QEMU $Q_VER from $QEMU10_SUITE into $dest (once)"
		qemu10_closure
		mktmp tmp qemu10
		download "$tmp" "${Q_SPECS[@]}"
		debs=("$tmp"/*.deb)
		bytes=$(cat "${debs[@]}" | wc -c)
		log "qemu10: unpacking ${#debs[@]} packages ($((bytes / 1024)) KiB)"
		unpack_debs "$tmp" "$tmp/root"
		# Firmware links point into /usr/share: keep them inside this tree
		# (else -L would find the host's older seabios).
		fix_links "$tmp/root"
		mkdir -p "$tmp/root/bin"
		qemu10_wrapper >"$tmp/root/bin/qemu-system-x86_64"
		chmod 755 "$tmp/root/bin/qemu-system-x86_64"
		local missing
		missing=$(LD_LIBRARY_PATH=$tmp/root/usr/lib/x86_64-linux-gnu:$tmp/root/lib/x86_64-linux-gnu \
			ldd "$tmp/root/usr/bin/qemu-system-x86_64" 2>&1 | grep 'not found' || true)
		[[ -z $missing ]] || die "qemu10: libraries missing: $(tr -s ' \t\n' ' ' <<<"$missing")"
		"$tmp/root/bin/qemu-system-x86_64" -version >"$tmp/version" 2>&1 ||
			die "qemu10: the unpacked QEMU does not run: $(head -n 3 "$tmp/version" | tr '\n' ' ')"
		# -device help would load every module, the host's 7.2 ones too
		# (QEMU_MODULE_DIR only comes first): ask for the one device.
		if "$tmp/root/bin/qemu-system-x86_64" -device vmclock,help 2>&1 | grep -q 'not found'; then
			log "qemu10: warning: $(head -n 1 "$tmp/version") has no vmclock device"
		else
			log "qemu10: $(head -n 1 "$tmp/version"), with -device vmclock"
		fi
		printf '%s\n' "$Q_VER" >"$tmp/root/.kcache-ok"
		install_dir "$tmp/root" "$dest"
		log "qemu10: ready in $dest ($((SECONDS - t0)) s)"
	fi
	unlock_cache
	emit QEMU10 "$dest/bin/qemu-system-x86_64"
	emit QEMU10_VERSION "$(<"$dest/.kcache-ok")"
}

# ------------------------------------------------------- qemu-plugin-h ---

# The TCG plugin API header of the system QEMU, for bench/insn: no binary
# package ships include/qemu/qemu-plugin.h, Debian's source package does.  A
# plugin must be built against the header of the QEMU that loads it, so the
# source version is exactly that of the installed qemu-system-x86 (a binNMU
# "+bN" shares its source).  `apt-get source --download-only` through the
# private deb-src configuration ($CACHE/apt-src, bookworm main); only the
# header is unpacked, into $CACHE/qemu-plugin/VERSION/ (kept: one per version).
# Debian's patches (the 7.2.x stable diffs) are applied if one touches it.
QPH_FILE=include/qemu/qemu-plugin.h

cmd_qemu_plugin_h() {
	local src srcver dest tmp orig debtar p touched=() top
	local want
	read -r src srcver < <(dpkg-query -W -f='${source:Package} ${source:Version}\n' \
		qemu-system-x86 2>/dev/null) || true
	[[ -n ${srcver-} ]] || die "qemu-plugin-h: qemu-system-x86 is not installed"
	want=$srcver
	dest=$CACHE/qemu-plugin/${srcver//:/_}
	if ! marker_ok "$dest" "$srcver"; then
		lock_cache
		use_apt "$CACHE/apt-src" write_src_sources
		ensure_index
		if ! aptc showsrc "$src" 2>/dev/null | grep -qxF "Version: $srcver"; then
			((UPDATED)) || refresh_and_restart "no source package $src=$srcver in bookworm"
			# The archive keeps only the newest stable update's source.
			# The header is QEMU's own (a Debian patch touching it is
			# applied below), so any Debian revision of the same upstream
			# release gives the same file.
			srcver=$(aptc showsrc "$src" 2>/dev/null | sed -n 's/^Version: //p' |
				grep -F "${want%-*}-" | sort -V | tail -n 1)
			[[ -n $srcver ]] || die "qemu-plugin-h: no source package $src of upstream ${want%-*} in bookworm"
			log "qemu-plugin-h: source $src=$want is gone from the archive; using $srcver (same upstream release)"
		fi
		mktmp tmp qemusrc
		log "qemu-plugin-h: apt-get source --download-only $src=$srcver"
		(cd "$tmp" && apt-get "${APT_OPTS[@]}" -q source --download-only "$src=$srcver" >&2) ||
			refresh_and_restart "download of source $src=$srcver failed"
		orig=$(find "$tmp" -maxdepth 1 -name '*.orig.tar.*' | head -n 1)
		debtar=$(find "$tmp" -maxdepth 1 -name '*.debian.tar.*' | head -n 1)
		[[ -f $orig && -f $debtar ]] || die "qemu-plugin-h: no orig/debian tarball from apt-get source"
		mkdir -p "$tmp/deb" "$tmp/orig" "$tmp/out"
		tar -xf "$debtar" -C "$tmp/deb" debian/patches
		if [[ -f $tmp/deb/debian/patches/series ]]; then
			while read -r p _; do
				[[ -z $p || $p == \#* ]] && continue
				grep -qE "^\+\+\+ [^ ]*/$QPH_FILE" "$tmp/deb/debian/patches/$p" && touched+=("$p")
			done <"$tmp/deb/debian/patches/series"
		fi
		if ((${#touched[@]} == 0)); then
			tar -xf "$orig" -C "$tmp/orig" --wildcards "*/$QPH_FILE"
		else
			# Rare: unpack the whole source with its patches (dpkg-source).
			log "qemu-plugin-h: Debian patches change the header (${touched[*]}): unpacking the whole source"
			(cd "$tmp" && dpkg-source -x --no-check ./*.dsc "$tmp/orig/src" >&2) ||
				die "qemu-plugin-h: dpkg-source -x failed"
		fi
		top=$(find "$tmp/orig" -path "*/$QPH_FILE" | head -n 1)
		[[ -s $top ]] || die "qemu-plugin-h: no $QPH_FILE in the source of $src=$srcver"
		grep -q '^#define QEMU_PLUGIN_VERSION' "$top" || die "qemu-plugin-h: $top has no QEMU_PLUGIN_VERSION"
		cp "$top" "$tmp/out/qemu-plugin.h"
		printf '%s\n' "$srcver" >"$tmp/out/source"
		printf '%s\n' "$want" >"$tmp/out/.kcache-ok"
		install_dir "$tmp/out" "$dest"
		log "qemu-plugin-h: $dest/qemu-plugin.h (source $src $srcver)"
		unlock_cache
	fi
	emit QEMU_PLUGIN_H "$dest/qemu-plugin.h"
	[[ -f $dest/source ]] && srcver=$(<"$dest/source")
	emit QEMU_PLUGIN_SRCVER "$srcver"
}

# ------------------------------------------------------------ check-ARCH ---

# libcheck for the static cross-built test programs (tests/guest/ptp_test):
# the packages of bookworm main for ARCH unpacked into $CACHE/check-ARCH
# (headers in usr/include, static libraries in usr/lib/TRIPLET).
CHECK_CROSS_PKGS="check libsubunit-dev libsubunit0"

# check_cross ARCH TRIPLET VAR: fetch once, then emit VAR=$CACHE/check-ARCH.
check_cross() {
	local arch=$1 triplet=$2 dest=$CACHE/check-$1 tmp p specs=() v
	if [[ ! -f $dest/.kcache-ok ]]; then
		lock_cache
		ensure_index
		for p in $CHECK_CROSS_PKGS; do
			v=$(aptc madison "$p:$arch" 2>/dev/null |
				awk -F' *[|] *' -v a="$arch" '$3 ~ (" bookworm/main " a " ") {print $2}' | head -n 1)
			[[ -n $v ]] || refresh_and_restart "no $p:$arch in bookworm main"
			specs+=("$p:$arch=$v")
		done
		mktmp tmp "check$arch"
		download "$tmp" "${specs[@]}"
		unpack_debs "$tmp" "$tmp/root"
		[[ -f $tmp/root/usr/include/check.h && -f $tmp/root/usr/lib/$triplet/libcheck.a ]] ||
			die "check-$arch: no check.h or libcheck.a in ${specs[*]}"
		printf '%s\n' "${specs[*]}" >"$tmp/root/.kcache-ok"
		install_dir "$tmp/root" "$dest"
		unlock_cache
	fi
	emit "$3" "$dest"
}

cmd_check_s390x() { check_cross s390x s390x-linux-gnu CHECK_S390X; }

cmd_check_arm64() {
	[[ -f $CACHE/check-arm64/.kcache-ok ]] || use_apt "$CACHE/apt-arm64" write_arm64_sources
	check_cross arm64 aarch64-linux-gnu CHECK_ARM64
}

# ------------------------------------------------------------ intree-src ---

# Files of the kernel tree of series $1 from linux-source-MAJ.MIN at the
# series' exact version, into $CACHE/intree-src/KREL/ (kept; extended when
# other files are asked for).  ~165 MB downloaded, ~20 s to extract.
cmd_intree_src() {
	local series=$1 dest tmp pkg f deb tarball top members=() missing=()
	shift
	series_conf "$series"
	lock_cache
	load_series "$series"
	dest=$CACHE/intree-src/$R_KREL
	for f in "$@"; do
		[[ -f $dest/$f ]] || missing+=("$f")
	done
	if ((${#missing[@]})); then
		pkg=linux-source-$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$R_KREL")
		has_version "$pkg:amd64" "$R_VER" || refresh_and_restart "no $pkg=$R_VER in the indexes"
		mktmp tmp intreesrc
		download "$tmp" "$pkg:amd64=$R_VER"
		deb=$(echo "$tmp"/linux-source-*.deb)
		tarball=$(dpkg-deb -c "$deb" | awk '{print $NF}' | grep -E '/linux-source-[^/]*\.tar\.xz$' | head -n 1)
		[[ -n $tarball ]] || die "no source tarball in $deb"
		top=$(basename "$tarball" .tar.xz)
		for f in "${missing[@]}"; do members+=("$top/$f"); done
		log "extracting ${missing[*]} from $(basename "$tarball")"
		mkdir -p "$tmp/out"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" |
			tar -xJ -C "$tmp/out" --strip-components=1 "${members[@]}" ||
			die "intree-src: ${missing[*]} not in $top"
		rm -f "$deb"
		mkdir -p "$dest"
		cp -r "$tmp/out/." "$dest/"
		printf '%s\n' "$R_VER" >"$dest/.kcache-ok"
	fi
	unlock_cache
	emit INTREE_SRC "$dest"
}

# ------------------------------------------------------------ chrony-arm64 ---

# chrony and the shared libraries chronyd/chronyc load (with the dynamic
# loader), arm64 packages of bookworm main unpacked into $CACHE/chrony-arm64.
CHRONY_ARM64_PKGS="chrony libc6 libbsd0 libcap2 libedit2 libffi8 libgmp10 libgnutls30
	libhogweed6 libidn2-0 libmd0 libnettle8 libp11-kit0 libseccomp2 libtasn1-6 libtinfo6
	libunistring2"

cmd_chrony_arm64() {
	local dest=$CACHE/chrony-arm64 tmp p specs=() v names
	# shellcheck disable=SC2086 # one line of the words
	names=$(printf '%s ' $CHRONY_ARM64_PKGS)
	# The marker names the packages: a longer list unpacks them again.
	if ! marker_ok "$dest" "$names"; then
		use_apt "$CACHE/apt-arm64" write_arm64_sources
		lock_cache
		ensure_index
		for p in $CHRONY_ARM64_PKGS; do
			v=$(aptc madison "$p:arm64" 2>/dev/null |
				awk -F' *[|] *' '$3 ~ / bookworm(-security)?\/main arm64 / {print $2}' |
				sort -Vr | head -n 1)
			[[ -n $v ]] || refresh_and_restart "no $p:arm64 in bookworm main"
			specs+=("$p:arm64=$v")
		done
		mktmp tmp chronyarm64
		download "$tmp" "${specs[@]}"
		unpack_debs "$tmp" "$tmp/root"
		[[ -f $tmp/root/usr/sbin/chronyd && -e $tmp/root/lib/ld-linux-aarch64.so.1 ]] ||
			die "chrony-arm64: no chronyd or dynamic loader in ${specs[*]}"
		printf '%s\n' "$names" >"$tmp/root/.kcache-ok"
		printf '%s\n' "${specs[@]}" >"$tmp/root/.kcache-specs"
		install_dir "$tmp/root" "$dest"
		unlock_cache
	fi
	emit CHRONY_ARM64 "$dest"
}

# Entered inside the new mount+pid namespace (pid 1 is this shell): bind the
# requested host dirs at identical paths, provide /dev, chroot and run.
cmd_enter() {
	local root=$1 cwd=$2 b
	shift 2
	while [[ $1 != -- ]]; do
		b=$1
		shift
		mkdir -p "$root$b"
		mount --bind "$b" "$root$b"
	done
	shift
	# mmdebstrap --mode=root creates the device nodes; bind /dev otherwise.
	[[ -c $root/dev/null ]] || mount --rbind /dev "$root/dev"
	local rc=0
	# shellcheck disable=SC2016 # expanded by the inner shell
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		chroot "$root" /bin/sh -c 'cd "$1" || exit 1; shift; exec "$@"' kcache-run "$cwd" "$@" || rc=$?
	exit "$rc"
}

cmd_run() {
	local series=$1 binds=() b cwd=$PWD
	shift
	while (($#)); do
		case $1 in
		--bind)
			[[ $# -ge 2 && -d $2 ]] || die "run: --bind needs a directory"
			binds+=("$(realpath "$2")")
			shift 2 ;;
		--) shift; break ;;
		*) die "run: expected --bind DIR or -- before the command" ;;
		esac
	done
	(($#)) || die "run: no command given"
	setup_kdir "$series"
	export KREL KDIR KARCH KCROSS KCC KCHROOT
	[[ -n $KCHROOT ]] || exec "$@"
	# The working directory is always made visible (unless it is inside the
	# chroot already or contains it).
	local nb=() ok
	[[ -z $KBIND ]] || binds+=("$KBIND")
	for b in "$cwd" "${binds[@]}"; do
		[[ $b == "$KCHROOT"/* ]] && continue   # visible inside as ${b#$KCHROOT}
		ok=1
		[[ $b == / || $KCHROOT/ == "$b"/* ]] && ok=0
		if ((ok == 0)); then
			[[ $b == "$cwd" ]] || die "run: cannot bind $b into $KCHROOT"
			log "run: $cwd contains the chroot; starting in /"
			cwd=/
			continue
		fi
		nb+=("$b")
	done
	[[ $cwd != "$KCHROOT"/* ]] || cwd=${cwd#"$KCHROOT"}
	exec unshare -m -p -f --kill-child --mount-proc="$KCHROOT/proc" \
		"$SELF" __enter "$KCHROOT" "$cwd" "${nb[@]}" -- "$@"
}

usage() {
	sed -n '2,/^set -euo/p' "$SELF" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

main() {
	(($#)) || usage
	local cmd=$1
	shift
	case $cmd in
	list) echo "$SERIES_ALL" ;;
	kdir) (($# == 1)) || usage; cmd_kdir "$1" ;;
	image) (($# == 1)) || usage; cmd_image "$1" ;;
	run) (($# >= 1)) || usage; cmd_run "$@" ;;
	checkpatch) cmd_checkpatch ;;
	qemu10) cmd_qemu10 ;;
	qemu-plugin-h) cmd_qemu_plugin_h ;;
	check-s390x) cmd_check_s390x ;;
	check-arm64) cmd_check_arm64 ;;
	chrony-arm64) cmd_chrony_arm64 ;;
	intree-src) (($# >= 2)) || usage; cmd_intree_src "$@" ;;
	refresh) lock_cache; apt_setup; apt_update; rm -f "$CACHE/state/"*.env ;;
	__enter) cmd_enter "$@" ;;
	-h | --help | help) usage ;;
	*) usage ;;
	esac
}

main "$@"
