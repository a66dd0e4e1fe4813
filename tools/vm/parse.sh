#!/bin/bash
# Judge one guest run from its logs (used by run.sh; also works on saved logs).
#
# Usage: parse.sh --series S --console FILE --results FILE [options]
#   --label TEXT        summary label (default: the series)
#   --qemu-rc N         exit status of `timeout … qemu` (124/137: timed out)
#   --timeout N         the time bound that applied (for the message)
#   --allow-log ERE     kernel-log lines matching ERE are not failures; repeatable
#   --qemu-err FILE     QEMU's stderr (quoted when QEMU itself failed)
#   --outer-console FILE  console of the outer guest of a nested run (run.sh
#                       --nested-kvm): its splats fail the run as "L1: …" too
#
# Prints the guest's PASS/FAIL/SKIP lines as "PASS S/name", "FAIL S/name: reason",
# host-side failures as "FAIL boot S: …" / "FAIL kernel-log S: …", then
# "vmtest LABEL: N passed, N failed, N skipped". Exit status 1 on any failure.
set -euo pipefail

SERIES='' CONSOLE='' RESULTS='' LABEL='' QEMU_RC=0 TIMEOUT=unknown QEMU_ERR=/dev/null OUTER=''
ALLOW=()

# Kernel log lines that fail a run (ERE).
BAD_RE='Oops|BUG:|WARNING:|Call Trace|soft lockup|hard LOCKUP|self-detected stall|rcu: INFO|'
BAD_RE+='KASAN|UBSAN|general protection fault|kernel BUG|list_del corruption|'
BAD_RE+='list_add corruption|refcount_t:|blocked for more than|Kernel panic'

# Kernel bugs outside ptp-pure that the suites can trigger, each reproduced
# without our modules (tests/vm/kernel-bugs/ID/).  One entry per line, fields
# separated by tabs: ID, an ERE for the warning's message line, an ERE for
# the first frame of its call trace, and what it is; optionally an ERE for
# frames that may come before that one (arm64 starts its trace at the
# warning site and shows the callees the x86 trace leaves out); optionally
# an ERE for a kernel log line that says the bug's fix is applied (a live
# patch): after such a line the entry no longer applies, and a match fails
# the run like any other warning.  An incident matching
# both (from its message to "---[ end trace") is reported as
# "SKIP S/kernel-log: WHERE: known kernel bug ID: WHAT", not as a failure;
# anything else in the log is judged as before.
KNOWN_BUGS=$(printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
	ptp-unregister-refcount 'refcount_t: underflow; use-after-free' \
	'[]] +(ptp_clock_unregister|cdev_put)[+]' \
	'posix_clock_register() lets an open() in before it sets the clock'"'"'s device, whose close() then drops a reference it never took; the PTP device is freed one put early, when the clock is unregistered or a file of it is closed' \
	'[]] +(refcount_warn_saturate|kobject_put|put_device|posix_clock_unregister)[+]' \
	'livepatch: enabling patch .klp_posix_clock.')

while (($#)); do
	case $1 in
	--series) SERIES=$2 ;;
	--console) CONSOLE=$2 ;;
	--results) RESULTS=$2 ;;
	--label) LABEL=$2 ;;
	--qemu-rc) QEMU_RC=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--allow-log) ALLOW+=("$2") ;;
	--qemu-err) QEMU_ERR=$2 ;;
	--outer-console) OUTER=$2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "parse.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift 2
done
[[ -n $SERIES && -f $CONSOLE && -f $RESULTS ]] || { echo "parse.sh: missing arguments" >&2; exit 2; }
LABEL=${LABEL:-$SERIES}
ALLOW_RE=$(IFS='|'; echo "${ALLOW[*]:-}")

# Serial lines end in \r\n; the results channel may also carry kernel-style lines.
clean() { tr -d '\r' <"$1"; }

# results_lines: PASS/FAIL/SKIP lines, normalised and prefixed with the series.
# A SKIP must carry a reason; a FAIL without one gets "(no reason given)".
result_lines() {
	clean "$RESULTS" | awk -v s="$SERIES" '
		/^PASS / { sub(/^PASS +/, ""); print "PASS " s "/" $0; next }
		/^SKIP / {
			sub(/^SKIP +/, "")
			if (index($0, ": ") && substr($0, index($0, ": ") + 2) ~ /[^ ]/) print "SKIP " s "/" $0
			else print "FAIL " s "/" $0 ": SKIP without a reason"
			next
		}
		/^FAIL / {
			sub(/^FAIL +/, "")
			if (index($0, ": ")) print "FAIL " s "/" $0
			else print "FAIL " s "/" $0 ": (no reason given)"
		}'
}

# dmesg_dump: the guest's final dmesg (empty if the run did not get that far).
dmesg_dump() {
	clean "$RESULTS" | sed -n '/^ptpvm: dmesg-begin/,/^ptpvm: dmesg-end/p' | sed '1d;$d'
}

# scan_log: one line per test (or "outside tests") whose kernel log matched
# BAD_RE: "<where>: <first bad line>". The first incident is followed by its
# context: 3 lines before and 20 after, indented. Tests are attributed from the
# "ptpvm: begin/end NAME" lines /init writes to /dev/kmsg. Both the console
# (complete up to a crash; loses nothing to `dmesg -c`) and the final dmesg
# dump (has what the console may have missed) are scanned. A known kernel
# bug (KNOWN_BUGS) gives one line "KNOWN<tab><where><tab>ID<tab>WHAT" instead.
# With --outer-console, that console is scanned the same way, its places
# prefixed with "L1: ".
scan_log() {
	scan_files "" <(clean "$CONSOLE") <(dmesg_dump)
	[[ -z $OUTER ]] || scan_files "L1: " <(clean "$OUTER")
}

# scan_files PREFIX FILE...: scan_log's work on FILEs.
scan_files() {
	local prefix=$1
	shift
	KNOWN_BUGS=$KNOWN_BUGS awk -v bad="$BAD_RE" -v allow="$ALLOW_RE" -v prefix="$prefix" '
		BEGIN { nk = split(ENVIRON["KNOWN_BUGS"], kb, "\n") }
		# known_end(i, b): last line of the incident at line i if it is
		# known bug b, else 0
		function known_end(i, b,    f, j, k, e, psw) {
			split(kb[b], f, "\t")
			if (f[1] == "" || L[i] !~ f[2] || fixed[b])
				return 0
			psw = ""
			for (j = i + 1; j <= n && j <= i + 40 && L[j] !~ /Call [Tt]race:/; j++)
				if (L[j] ~ /Krnl PSW :.*\(/) {
					psw = L[j]
					sub(/.*\(/, "", psw)
					sub(/\+.*/, "", psw)
				}
			if (j > n || j > i + 40)
				return 0
			for (k = j + 1; k <= n && L[k] ~ /<(TASK|IRQ)>/; k++)
				;
			# s390 starts the trace with the warning site itself
			# (the function of its "Krnl PSW" line): skip that frame.
			if (k <= n && psw != "" && index(L[k], "] " psw "+"))
				k++
			# arm64 too, and then the callees x86 leaves out (field 5).
			while (f[5] != "" && k <= n && L[k] ~ f[5])
				k++
			if (k > n || L[k] !~ f[3])
				return 0
			for (e = k; e <= n && L[e] !~ /---\[ end trace/; e++)
				;
			return e > n ? n : e
		}
		function flush(    i, j, b, e, f, skip_to, where) {
			skip_to = 0
			delete fixed
			for (i = 1; i <= n; i++) {
				for (b = 1; b <= nk; b++) {
					split(kb[b], f, "\t")
					if (f[6] != "" && L[i] ~ f[6])
						fixed[b] = 1
				}
				if (i <= skip_to)
					continue
				where = prefix (T[i] != "" ? "during test " T[i] : "outside tests")
				for (b = 1; b <= nk; b++)
					if ((e = known_end(i, b))) {
						split(kb[b], f, "\t")
						if (!(("known " where " " b) in seen))
							print "KNOWN\t" where "\t" f[1] "\t" f[4]
						seen["known " where " " b] = 1
						skip_to = e
						break
					}
				if (i <= skip_to)
					continue
				if (L[i] ~ bad && !(allow != "" && L[i] ~ allow)) {
					if (where in seen)
						continue
					seen[where] = 1
					print where ": " L[i]
					if (!ctx) {
						ctx = 1
						for (j = i - 3; j <= i + 20 && j <= n; j++)
							if (j > 0 && j != i)
								print "    " L[j]
					}
				}
			}
			n = 0
		}
		FNR == 1 && NR > 1 { flush() }
		FNR == 1 { test = "" }
		{ L[++n] = $0; T[n] = test }
		/\] ptpvm: begin / { test = $NF; T[n] = "" }
		/\] ptpvm: end / { test = "" }
		END { flush() }' "$@"
}

# running_test: " (during test NAME)" if a test began but did not end.
running_test() {
	clean "$RESULTS" | awk '
		/^ptpvm: begin / { t = $3 }
		/^ptpvm: end / { t = "" }
		END { if (t != "") print " (during test " t ")" }'
}

main() {
	local pass fail skip out line
	out=$(result_lines)
	[[ -z $out ]] || echo "$out"
	pass=$(grep -c '^PASS ' <<<"$out" || true)
	fail=$(grep -c '^FAIL ' <<<"$out" || true)
	skip=$(grep -c '^SKIP ' <<<"$out" || true)
	if [[ $QEMU_RC == 124 || $QEMU_RC == 137 ]]; then
		echo "FAIL boot $SERIES: timed out after $TIMEOUT s$(running_test)"
		fail=$((fail + 1))
	elif [[ $QEMU_RC != 0 ]]; then
		echo "FAIL boot $SERIES: qemu exited with status $QEMU_RC: $(tail -n 2 "$QEMU_ERR" | tr '\n' ' ')"
		fail=$((fail + 1))
	elif ! clean "$RESULTS" | grep -q '^ptpvm: end-of-run'; then
		echo "FAIL boot $SERIES: end marker missing (guest crashed, panicked or powered off early)"
		fail=$((fail + 1))
	fi
	while IFS= read -r line; do
		if [[ $line == "    "* ]]; then
			echo "$line"
		elif [[ $line == KNOWN$'\t'* ]]; then
			IFS=$'\t' read -r _ where id what <<<"$line"
			echo "SKIP $SERIES/kernel-log: $where: known kernel bug $id: $what (tests/vm/kernel-bugs/$id)"
			skip=$((skip + 1))
		else
			echo "FAIL kernel-log $SERIES: $line"
			fail=$((fail + 1))
		fi
	done < <(scan_log)
	echo "vmtest $LABEL: $pass passed, $fail failed, $skip skipped"
	((fail == 0))
}

main
