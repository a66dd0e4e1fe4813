/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * vmclock.asl - SSDT declaring a vmclock device for QEMU's -acpitable
 *
 * A 4 KiB page of guest RAM that vmclock-emu keeps up to date.  The address
 * below is the default; build.sh rewrites the two #define lines for another
 * one (iasl's -D cannot give a symbol a value).  The page must also be kept
 * out of the guest's RAM with the kernel argument memmap=4K$ADDR.
 *
 *   iasl -p OUT vmclock.asl                      _HID AMZNC10C, _CID VMCLOCK
 *   iasl -p OUT -D VMCLOCK_HID_ONLY vmclock.asl  _HID VMCLOCK only (7.x)
 *   iasl -p OUT -D VMCLOCK_TWIN vmclock.asl      two devices, one page (for
 *                                                two drivers side by side)
 *
 * The published vmclock specification asks for _HID "AMZNC10C", _CID and
 * _DDN "VMCLOCK" and one memory resource in _CRS.  iasl rejects "VMCLOCK"
 * as a _HID string (not a valid PNP ID), so the variant returns it from a
 * _HID method, which the OS evaluates the same way.
 */
#define VMCLOCK_ADDR 0x10000000
#define VMCLOCK_END 0x10000FFF

DefinitionBlock ("", "SSDT", 2, "PTPPUR", "VMCLOCK", 1)
{
	Scope (\_SB)
	{
		Device (VCLK)
		{
#ifdef VMCLOCK_HID_ONLY
			Method (_HID, 0, NotSerialized)
			{
				Return ("VMCLOCK")
			}
#else
			Name (_HID, "AMZNC10C")
			Name (_CID, "VMCLOCK")
#endif
			Name (_DDN, "VMCLOCK")
			Name (_UID, Zero)
			Name (_CRS, ResourceTemplate ()
			{
				QWordMemory (ResourceConsumer, PosDecode, MinFixed,
					MaxFixed, Cacheable, ReadOnly,
					0x0000000000000000,	/* granularity */
					VMCLOCK_ADDR,		/* minimum */
					VMCLOCK_END,		/* maximum */
					0x0000000000000000,	/* translation */
					0x0000000000001000)	/* length */
			})
		}
		/*
		 * Notifications: QEMU has no way to raise an ACPI Notify on a
		 * device from outside the guest, so AML does it on request of
		 * a test.  Reading this thermal zone's temperature
		 * (/sys/class/thermal/thermal_zoneN/temp, N with device/path
		 * \_SB_.VCTZ) evaluates _TMP, which notifies the vmclock
		 * device (0x80: device-specific, as a vmclock host sends it).
		 * No _TZP, so Linux does not evaluate _TMP on its own after
		 * probing the zone.
		 */
		ThermalZone (VCTZ)
		{
			Method (_TMP, 0, Serialized)
			{
				Notify (\_SB.VCLK, 0x80)
				Return (3000)		/* 300.0 K */
			}
			Method (_CRT, 0, NotSerialized)
			{
				Return (4000)		/* 400.0 K */
			}
		}
#ifdef VMCLOCK_TWIN
		Device (VCL2)
		{
			Name (_HID, "AMZNC10C")
			Name (_CID, "VMCLOCK")
			Name (_DDN, "VMCLOCK")
			Name (_UID, One)
			Name (_CRS, ResourceTemplate ()
			{
				QWordMemory (ResourceConsumer, PosDecode, MinFixed,
					MaxFixed, Cacheable, ReadOnly,
					0x0000000000000000,	/* granularity */
					VMCLOCK_ADDR,		/* minimum */
					VMCLOCK_END,		/* maximum */
					0x0000000000000000,	/* translation */
					0x0000000000001000)	/* length */
			})
		}
#endif
	}
}
