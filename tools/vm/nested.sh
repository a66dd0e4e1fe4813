# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# run.sh --nested-kvm: the test guest (L2) runs under a real KVM, nested in
# a TCG guest (L1).  Sourced by run.sh, never executed.
#
# QEMU's TCG emulates AMD SVM with nested paging (-cpu max), so L1 can load
# kvm_amd and run L2's QEMU with -accel kvm; L1's KVM answers L2's
# hypercalls (KVM_HC_CLOCK_PAIRING) and gives it kvm-clock.
#
#   host: QEMU 10 (tools/kcache.sh qemu10), TCG, -cpu max -m 3G -smp 1,
#         L1 kernel $NESTED_L1_SERIES (default 6.1), PVH vmlinux,
#         "tsc=reliable clocksource=tsc" (KVM pairs clocks only while its
#         own clocksource is TSC-based), /init = tools/vm/l1-init.sh
#     L1: kvm_amd; the system's qemu-system-x86_64 (7.2) with its libraries
#         and firmware, -accel kvm -cpu host, booting the L2 kernel and the
#         initrd run.sh built exactly as for a normal run
#
# Channels: L1 has three serial ports.  ttyS0 is L1's console
# ($RUNDIR/l1-console.log), ttyS1 and ttyS2 carry L2's console and results
# channel (L2's QEMU writes L1's ttyS1/ttyS2), so the host files
# console.log/results.log hold what a normal run has and parse.sh judges
# them unchanged; L1's console is scanned too (--outer-console).
#
# --l1-cmd FILE (vm.conf "l1-cmd @SUITE@/FILE"): a busybox sh script that
# L1 runs beside L2 and kills when L2 ends; its output goes to L1's console.
# It gets L2's human monitor as the FIFO pair /run/l2mon.in, /run/l2mon.out
# (e.g. `echo stop >/run/l2mon.in`) and /run/l2-signal, a file that L2
# writes through its third serial port ttyS2 (`echo go >/dev/ttyS2`).
#
# Caches: the L1 initramfs (busybox, kvm modules, L1 init, the L2 VMM with
# its libraries and firmware, ~60 MB) in $VM_CACHE/nested/, keyed by
# everything it is built from.  Per run only a cpio with the L2 kernel,
# initrd and command is appended.

NESTED_L1_SERIES=${PTP_PURE_NESTED_L1:-6.1}
# Time L1 needs around L2 (its boot, kvm_amd, L2's QEMU start-up): the host
# bound on L1 is L2's bound plus this.
NESTED_MARGIN=60
L1_QEMU=''
L1_APPEND=()
L1_CMD=''

# The L2 VMM inside L1 and the firmware it loads (q35, PVH boot, -nic none).
NESTED_VMM=/usr/bin/qemu-system-x86_64
NESTED_FW=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/pvh.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin)

# nested_check: options that make no sense with --nested-kvm (and L1
# options without it).
nested_check() {
	if ((NESTED == 0)); then
		[[ -z $L1_CMD && ${#L1_APPEND[@]} == 0 ]] ||
			die "--l1-cmd and --l1-append need --nested-kvm"
		return 0
	fi
	[[ $ARCH == x86_64 ]] || die "--nested-kvm is x86_64 only"
	((INTERACTIVE == 0)) || die "--nested-kvm has no --interactive mode"
	[[ -z $HOST_CMD ]] || die "--nested-kvm cannot run a --host-cmd"
	[[ -x $NESTED_VMM ]] || die "$NESTED_VMM missing (apt-get install qemu-system-x86)"
	# The outer QEMU must be 10: with 7.2, L2 -cpu host sees an XSAVE
	# layout it rejects (test-environment.md).
	QEMU=qemu10
}

# nested_quote WORD: WORD single-quoted for busybox ash.
nested_quote() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

# nested_l1_initrd: prints the cached L1 initramfs, building it if needed.
nested_l1_initrd() {
	local key f src
	key="$L1_KREL $(cat "$VM_DIR/l1-init.sh" "$VM_DIR/mkinitramfs.sh" "$VM_DIR/nested.sh" |
		sha256sum) $(sha256sum "$NESTED_VMM" "${NESTED_FW[@]}")"
	key=$(sha256sum <<<"$key" | cut -c1-16)
	f=$VM_CACHE/nested/l1-$L1_KREL-$key.img
	if [[ ! -s $f ]]; then
		local -a mk=(-o "$f" --krel "$L1_KREL" --modroot "$L1_MODROOT" --load none
			--kmod kvm_amd --init "$VM_DIR/l1-init.sh" --elf "$NESTED_VMM")
		for src in "${NESTED_FW[@]}"; do mk+=(--file "$src:$src"); done
		mkdir -p "${f%/*}"
		with_lock "nested-$key" nested_build_l1 "$f" "${mk[@]}"
	fi
	echo "$f"
}

nested_build_l1() {
	local f=$1
	shift
	[[ -s $f ]] && return 0
	note "building the L1 initramfs with the L2 VMM (once): $(basename "$f")"
	"$VM_DIR/mkinitramfs.sh" "$@"
}

# nested_wrap: turn the L2 command in Q (built by run.sh for QEMU with
# -accel kvm and file chardevs on /dev/ttyS1, /dev/ttyS2) into the L1
# command, with L2's kernel and initrd appended to L1's initramfs.
nested_wrap() {
	local stage=$RUNDIR/l1 l2_kernel=${Q[-5]} l2_initrd=${Q[-3]} w l1_initrd
	[[ ${Q[-6]} == -kernel && ${Q[-4]} == -initrd ]] || die "nested_wrap: unexpected L2 command"
	mkdir -p "$stage/l2"
	cp "$l2_kernel" "$stage/l2/vmlinux"
	if [[ -n $L1_CMD ]]; then
		L1_CMD=$(subst "$L1_CMD")
		[[ -f $L1_CMD ]] || die "--l1-cmd $L1_CMD: no such file"
		install -m 0755 "$L1_CMD" "$stage/l2/l1-cmd"
		# Before the last six words: -kernel K -initrd I -append A.
		Q=("${Q[@]:0:${#Q[@]}-6}" -chardev pipe,id=mon,path=/run/l2mon
			-mon chardev=mon,mode=readline
			-chardev file,id=c9,path=/run/l2-signal -device isa-serial,chardev=c9
			"${Q[@]: -6}")
	fi
	mv "$l2_initrd" "$stage/l2/initrd.img"
	Q[-5]=/l2/vmlinux
	Q[-3]=/l2/initrd.img
	{
		echo "#!/bin/sh"
		echo "# The L2 guest (written by tools/vm/nested.sh)"
		printf 'exec'
		for w in "${Q[@]}"; do printf ' %s' "$(nested_quote "$w")"; done
		echo
	} >"$stage/l2/run-l2.sh"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$RUNDIR/l2.cpio"
	rm -rf "$stage"

	# L1: its own kernel, the outer QEMU 10, TCG.
	local l2_krel=$KREL l2_vmlinuz=$VMLINUZ l2_modroot=$MODROOT
	kcache_image "$NESTED_L1_SERIES"
	L1_KREL=$KREL L1_MODROOT=$MODROOT
	local l1_kernel
	l1_kernel=$(boot_kernel)
	KREL=$l2_krel VMLINUZ=$l2_vmlinuz MODROOT=$l2_modroot
	l1_initrd=$(nested_l1_initrd)
	cat "$l1_initrd" "$RUNDIR/l2.cpio" >"$RUNDIR/initrd.img"
	rm -f "$RUNDIR/l2.cpio"

	local l2_timeout=$TIMEOUT append
	TIMEOUT=$((TIMEOUT + NESTED_MARGIN))
	append="console=ttyS0 panic=-1 cryptomgr.notests tsc=reliable clocksource=tsc"
	append+=" ptpl1.timeout=$l2_timeout"
	for w in "${L1_APPEND[@]}"; do append+=" $w"; done
	local mem=$MEM smp=$SMP qemu=$QEMU
	MEM=3072 SMP=1 QEMU=$L1_QEMU
	qemu_base tcg "file,id=c0,path=$RUNDIR/l1-console.log" \
		"file,id=c1,path=$RUNDIR/console.log"
	MEM=$mem SMP=$smp QEMU=$qemu
	Q+=(-chardev "file,id=c2,path=$RUNDIR/results.log" -device "isa-serial,chardev=c2")
	Q+=(-kernel "$l1_kernel" -initrd "$RUNDIR/initrd.img" -append "$append")
	ACC="nested kvm (L1 $L1_KREL, tcg)"
	note "nested: L1 $L1_KREL under TCG, L2 $KREL under KVM (L2 bound $l2_timeout s, L1 bound $TIMEOUT s)"
}
