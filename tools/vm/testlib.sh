# shellcheck shell=sh
# Optional helpers for guest tests (POSIX sh / busybox ash):
#   . /lib/ptpvm/testlib.sh
# Installed as /lib/ptpvm/testlib.sh by mkinitramfs.sh. Tests may also print
# the protocol lines themselves (see tools/vm/README.md).
# Environment set by /init: PTPVM_KREL, PTPVM_MODDIR (our modules), PTPVM_TT (time bound).

pass() { echo "PASS $1"; }
# fail NAME REASON...
fail() { n=$1; shift; echo "FAIL $n: $*"; }
# skip NAME REASON... (a reason is mandatory)
skip() { n=$1; shift; echo "SKIP $n: ${*:-no reason given}"; }

# need_cmds RUNNER CMD...: unless every CMD is in PATH, SKIP the calling
# test (named after its file) saying to run it through RUNNER, and exit.
need_cmds() {
	runner=$1
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		skip "${0##*/}" "guest tool $t missing: run $runner"
		exit 0
	done
}

# check NAME CMD...: PASS when CMD succeeds, else FAIL with its output.
check() {
	n=$1
	shift
	if out=$("$@" 2>&1); then
		pass "$n"
	else
		fail "$n" "'$*' failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# kver_ge MAJOR MINOR: true when the running kernel is at least MAJOR.MINOR.
kver_ge() {
	v=$(uname -r)
	maj=${v%%.*} rest=${v#*.}
	min=${rest%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}
