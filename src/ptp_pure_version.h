/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bundle's version in every module's modinfo, from the file VERSION (the
 * one place it is kept; tools/version.sh).  Kbuild force-includes this header
 * (-include) first into each object, with PTP_PURE_VERSION defined.  A
 * module of several objects gets the entry from its first one only: Kbuild
 * defines PTP_PURE_VERSION_ELSEWHERE for the others, so that modinfo shows
 * one "version=".
 *
 * This is what MODULE_VERSION() expands to for a module, written out because
 * a header included before the source's own "#define pr_fmt" must not
 * include any kernel header (printk.h would define pr_fmt first); the
 * attributes come from compiler_types.h, which Kbuild includes before it.
 */
#ifndef PTP_PURE_VERSION_H
#define PTP_PURE_VERSION_H

#ifndef PTP_PURE_VERSION
#error "PTP_PURE_VERSION is not defined: build through Kbuild"
#endif

#if defined(MODULE) && !defined(PTP_PURE_VERSION_ELSEWHERE)
static const char ptp_pure_modinfo_version[] __used __section(".modinfo")
	__aligned(1) = "version=" PTP_PURE_VERSION;
#endif

#endif /* PTP_PURE_VERSION_H */
