// SPDX-License-Identifier: MIT
#include "dev/fw_cfg.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/compiler.h"
#include "util/stats.h"

static int add_item(struct fw_cfg *f, uint16_t key, const char *name, const void *data,
		    uint32_t size)
{
	struct fw_cfg_item *it;

	if (f->n >= FW_CFG_MAX_ITEMS)
		return -ENOSPC;
	it = &f->items[f->n];
	memset(it, 0, sizeof(*it));
	it->data = malloc(size ? size : 1);
	if (!it->data)
		return -ENOMEM;
	if (size)
		memcpy(it->data, data, size);
	it->key = key;
	it->size = size;
	if (name)
		memcpy(it->name, name, strlen(name) + 1);
	f->n++;
	return 0;
}

static int find(const struct fw_cfg *f, uint16_t key)
{
	for (unsigned int i = 0; i < f->n; i++)
		if (f->items[i].key == key)
			return (int)i;
	return -1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FW_CFG_FILE_DIR rebuilt from the files: big-endian count, then one entry per file. */
static int rebuild_dir(struct fw_cfg *f)
{
	int d = find(f, FW_CFG_FILE_DIR);
	uint32_t count = 0, size;
	uint8_t *dir, *p;

	for (unsigned int i = 0; i < f->n; i++)
		count += f->items[i].name[0] != '\0';
	size = 4 + count * (uint32_t)sizeof(struct fw_cfg_file);
	dir = calloc(1, size);
	if (!dir)
		return -ENOMEM;
	put_be32(dir, count);
	p = dir + 4;
	for (unsigned int i = 0; i < f->n; i++) {
		const struct fw_cfg_item *it = &f->items[i];

		if (!it->name[0])
			continue;
		put_be32(p, it->size);
		p[4] = (uint8_t)(it->key >> 8);
		p[5] = (uint8_t)it->key;
		memcpy(p + 8, it->name, strlen(it->name) + 1);
		p += sizeof(struct fw_cfg_file);
	}
	free(f->items[d].data);
	f->items[d].data = dir;
	f->items[d].size = size;
	return 0;
}

int fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t nb_cpus, uint16_t max_cpus)
{
	uint32_t id = FW_CFG_VERSION; /* no DMA interface */
	uint16_t nographic = 1;
	uint8_t uuid[16] = { 0 };
	uint32_t no_files = 0;
	int r;

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->cur = -1;
	f->next_file_key = FW_CFG_FILE_FIRST;
	/* The little-endian items are stored as this (little-endian) host holds them. */
	r = add_item(f, FW_CFG_SIGNATURE, NULL, FW_CFG_SIG, 4);
	if (!r)
		r = add_item(f, FW_CFG_ID, NULL, &id, sizeof(id));
	if (!r)
		r = add_item(f, FW_CFG_UUID, NULL, uuid, sizeof(uuid));
	if (!r)
		r = add_item(f, FW_CFG_RAM_SIZE, NULL, &ram_size, sizeof(ram_size));
	if (!r)
		r = add_item(f, FW_CFG_NOGRAPHIC, NULL, &nographic, sizeof(nographic));
	if (!r)
		r = add_item(f, FW_CFG_NB_CPUS, NULL, &nb_cpus, sizeof(nb_cpus));
	if (!r)
		r = add_item(f, FW_CFG_MAX_CPUS, NULL, &max_cpus, sizeof(max_cpus));
	if (!r)
		r = add_item(f, FW_CFG_FILE_DIR, NULL, &no_files, sizeof(no_files));
	if (r)
		fw_cfg_destroy(f);
	return r;
}

void fw_cfg_destroy(struct fw_cfg *f)
{
	for (unsigned int i = 0; i < f->n; i++)
		free(f->items[i].data);
	f->n = 0;
	pthread_mutex_destroy(&f->lock);
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t size)
{
	size_t len = name ? strlen(name) : 0;
	int r;

	if (!len || len >= FW_CFG_MAX_FILE_PATH)
		return -EINVAL;
	for (unsigned int i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return -EEXIST;
	if (f->next_file_key > FW_CFG_ENTRY_MASK)
		return -ENOSPC;
	r = add_item(f, f->next_file_key, name, data, size);
	if (r)
		return r;
	r = rebuild_dir(f);
	if (r) {
		free(f->items[--f->n].data);
		return r;
	}
	f->next_file_key++;
	return 0;
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	pthread_mutex_lock(&f->lock);
	stat_inc(&f->fw_cfg_selects);
	f->selector = key;
	f->offset = 0;
	/* Writes through the write channel are not offered: such a key reads as unknown. */
	f->cur = (key & FW_CFG_WRITE_CHANNEL) ? -1 : find(f, key);
	if (f->cur < 0)
		stat_inc(&f->fw_cfg_unknown_selects);
	pthread_mutex_unlock(&f->lock);
}

uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	uint8_t v = 0;

	pthread_mutex_lock(&f->lock);
	stat_inc(&f->fw_cfg_reads);
	/* Past the end, or with no valid key, the data register reads 0 (fw_cfg.rst). */
	if (f->cur >= 0 && f->offset < f->items[f->cur].size)
		v = f->items[f->cur].data[f->offset++];
	pthread_mutex_unlock(&f->lock);
	return v;
}

static void fw_cfg_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool is_write,
		      uint32_t *data)
{
	struct fw_cfg *f = opaque;

	(void)vcpu;
	if (port == FW_CFG_PORT_SEL) {
		if (is_write)
			fw_cfg_select(f, (uint16_t)*data);
		else
			*data = 0;
		return;
	}
	if (is_write) { /* the data register is read-only here, as in QEMU since 2.4 */
		stat_inc(&f->fw_cfg_ignored_writes);
		return;
	}
	/* A wider read returns that many bytes in order, as QEMU's data register does. */
	*data = 0;
	for (unsigned i = 0; i < size && i < 4; i++)
		*data |= (uint32_t)fw_cfg_read_byte(f) << (8 * i);
}

int fw_cfg_attach(struct fw_cfg *f, struct pio_bus *bus)
{
	return pio_register(bus, FW_CFG_PORT_SEL, FW_CFG_PORT_LEN, "fw_cfg", fw_cfg_io, f);
}

static const struct stat_desc fw_cfg_stat_descs[] = {
	STAT_DESC(struct fw_cfg, fw_cfg_selects, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct fw_cfg, fw_cfg_reads, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct fw_cfg, fw_cfg_unknown_selects, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct fw_cfg, fw_cfg_ignored_writes, STAT_CUMULATIVE, STAT_UNIT_NONE),
};

void fw_cfg_stats_visit(struct fw_cfg *f, stat_visit_fn fn, void *ctx)
{
	stats_visit(fw_cfg_stat_descs, ARRAY_SIZE(fw_cfg_stat_descs), f, fn, ctx);
}
