/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bundle's version in every module's modinfo.  Kbuild force-includes this
 * header (-include) into each object with PTP_PURE_VERSION taken from the
 * file VERSION, the one place the version is kept (tools/version.sh).
 */
#ifndef PTP_PURE_VERSION_H
#define PTP_PURE_VERSION_H

#include <linux/module.h>

#ifndef PTP_PURE_VERSION
#error "PTP_PURE_VERSION is not defined: build through Kbuild"
#endif

MODULE_VERSION(PTP_PURE_VERSION);

#endif /* PTP_PURE_VERSION_H */
