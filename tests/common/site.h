/* SPDX-License-Identifier: MIT */
/*
 * site.h: the site identity the journal and store tests write and read
 * with, and KDF parameters cheap enough for hundreds of opens (the
 * defaults are for real use).
 */
#ifndef PC_TEST_SITE_H
#define PC_TEST_SITE_H

#include "pc/journal.h"

static const struct journal_kdf fast = {1, 8192};

static struct pc_site site = {.siteid = 1,
			      .sitename = "Evil Corp",
			      .mac = {0x02, 0xfc, 0, 0, 0, 1},
			      .license = "0151-49b3-648e-edcb-6331-01b9"};

#endif
