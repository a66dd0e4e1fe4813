# shellcheck shell=bash
# Common helpers for tools/vm/*.sh (sourced, never executed).
#
# Environment:
#   PTP_PURE_CACHE   cache root (default /var/cache/ptp-pure)
#   PTP_PURE_BUILD   build outputs and logs of this work tree (default
#                    $PTP_PURE_CACHE/build; give each work tree its own)
#   PTPVM_KCACHE     kernel cache tool (default: tools/kcache.sh of this tree)
#   PTPVM_QUIET=1    suppress progress messages on stderr

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
CACHE=${PTP_PURE_CACHE:-/var/cache/ptp-pure}
VM_CACHE=$CACHE/vm
BUILD=${PTP_PURE_BUILD:-$CACHE/build}
KCACHE=${PTPVM_KCACHE:-$REPO_DIR/tools/kcache.sh}

die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 2; }
note() { [[ ${PTPVM_QUIET:-0} == 1 ]] || printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# now_ms: monotonic-enough wall clock in milliseconds (for timings).
now_ms() { date +%s%3N; }

# Arch of a series: only s390x is not x86_64.
series_arch() {
	case $1 in
	s390x*) echo s390x ;;
	arm64*) echo aarch64 ;;
	*) echo x86_64 ;;
	esac
}

# kcache_image SERIES: sets KREL VMLINUZ MODROOT from `kcache.sh image`
# (its output is documented as shell-eval-able assignments).
kcache_image() {
	local out
	[[ -x $KCACHE ]] || die "kernel cache tool $KCACHE not found (set PTPVM_KCACHE)"
	out=$("$KCACHE" image "$1") || die "$KCACHE image $1 failed"
	KREL='' VMLINUZ='' MODROOT=''
	eval "$out"
	[[ -n $KREL && -f $VMLINUZ && -d $MODROOT/lib/modules/$KREL ]] ||
		die "$KCACHE image $1 gave unusable output: $out"
}

# atomic_mv TMP DEST: publish a cache file without exposing partial content.
atomic_mv() { mv -f "$1" "$2"; }

# Serialise cache builders: with_lock NAME CMD...
with_lock() {
	local name=$1
	shift
	mkdir -p "$VM_CACHE/locks"
	(
		flock 9
		"$@"
	) 9>"$VM_CACHE/locks/$name.lock"
}
