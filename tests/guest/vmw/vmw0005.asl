/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * vmw0005.asl - SSDT declaring the VMware precision clock's ACPI device
 *
 * A VMware host declares the device VMW0005 for its precision clock; it
 * has no resources (the clock is reached through the backdoor).  QEMU's
 * -acpitable adds this table to a guest that Linux takes for VMware
 * (tests/guest/vmw/vm.conf), so that ptp_pure_vmw and the in-tree ptp_vmw
 * get a device to bind.  Compiled by run-vmw.sh:
 *
 *   iasl -p OUT vmw0005.asl
 */
DefinitionBlock ("", "SSDT", 2, "PTPPUR", "VMW0005", 1)
{
	Scope (\_SB)
	{
		Device (VPCK)
		{
			Name (_HID, "VMW0005")
			Name (_UID, Zero)
			Method (_STA, 0, NotSerialized)
			{
				Return (0x0F)
			}
		}
	}
}
