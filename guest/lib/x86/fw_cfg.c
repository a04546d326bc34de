// SPDX-License-Identifier: MIT
#include "x86/fw_cfg.h"

#include "string.h"
#include "x86/processor.h"

void fw_cfg_read(u16 key, void *buf, u32 len)
{
	outw(FW_CFG_PORT_SEL, key);
	insb(FW_CFG_PORT_DATA, buf, len);
}

bool fw_cfg_present(void)
{
	char sig[4];

	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return memcmp(sig, FW_CFG_SIG, sizeof(sig)) == 0;
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

int fw_cfg_find_file(const char *name, u16 *key, u32 *size)
{
	u8 hdr[4] = { 0 }; /* filled by insb, which the analyzer cannot follow */
	u32 count;

	/* The directory is read entry by entry: the selector stays, each read moves on. */
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	insb(FW_CFG_PORT_DATA, hdr, sizeof(hdr));
	count = be32(hdr);
	for (u32 n = 0; n < count; n++) {
		u8 e[sizeof(struct fw_cfg_file)] = { 0 };

		insb(FW_CFG_PORT_DATA, e, sizeof(e));
		e[sizeof(e) - 1] = 0;
		if (strcmp((const char *)e + 8, name) == 0) {
			*size = be32(e);
			*key = (u16)(e[4] << 8 | e[5]);
			return 0;
		}
	}
	return -1;
}
