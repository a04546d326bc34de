// SPDX-License-Identifier: MIT
/* Statistics of a partition and of its VPs, as src/util/stats.h descriptor tables. */
#include <stdio.h>

#include "hv/hcall.h"
#include "util/compiler.h"

#define P(nm_, field_, type_, unit_)                                  \
	{                                                             \
		.name = (nm_), .type = (type_), .unit = (unit_),      \
		.offset = offsetof(struct hv_partition_stats, field_) \
	}
#define PC(field) P(#field, field, STAT_CUMULATIVE, STAT_UNIT_NONE)
#define MSR3(u, l)                                                                               \
	P("msr_" #l "_reads", msr[HV_MSR_IDX_##u].reads, STAT_CUMULATIVE, STAT_UNIT_NONE),       \
	    P("msr_" #l "_writes", msr[HV_MSR_IDX_##u].writes, STAT_CUMULATIVE, STAT_UNIT_NONE), \
	    P("msr_" #l "_gp", msr[HV_MSR_IDX_##u].gp, STAT_CUMULATIVE, STAT_UNIT_NONE),
#define RES(idx, name) P("hcall_status_" name, hcall_result[idx], STAT_CUMULATIVE, STAT_UNIT_NONE)

/* The partition's statistics before the per-call counters (which hcall_table.c names). */
static const struct stat_desc partition_descs[] = {
	HV_MSR_LIST(MSR3) PC(msr_unimplemented),
	PC(hypercall_page_writes),
	PC(tsc_page_writes),
	PC(tsc_page_not_ram),
	PC(apic_msr_errors),
	PC(resets),
	PC(crashes),
};

/* After them. */
static const struct stat_desc partition_tail_descs[] = {
	P("hcalls_unknown", hcall_unknown, STAT_CUMULATIVE, STAT_UNIT_NONE),
	RES(HV_RES_SUCCESS, "success"),
	RES(HV_RES_INVALID_HYPERCALL_CODE, "invalid_hypercall_code"),
	RES(HV_RES_INVALID_HYPERCALL_INPUT, "invalid_hypercall_input"),
	RES(HV_RES_INVALID_ALIGNMENT, "invalid_alignment"),
	RES(HV_RES_INVALID_PARAMETER, "invalid_parameter"),
	RES(HV_RES_ACCESS_DENIED, "access_denied"),
	RES(HV_RES_OPERATION_DENIED, "operation_denied"),
	RES(HV_RES_TIME_OUT, "time_out"),
	RES(HV_RES_OTHER, "other"),
	PC(hcall_ud),
	PC(hcall_disabled),
	PC(hcall_continued),
	PC(hcall_suspended),
	PC(hcall_xmm_errors),

	PC(flush_fast),
	PC(flush_slow),
	PC(flush_all),
	PC(flush_empty),
	PC(flush_targets),
	PC(flush_gva_ranges),
	PC(flush_gva_pages),
	PC(flush_flags_ignored),
	PC(flush_errors),

	PC(ipi_fast),
	PC(ipi_slow),
	PC(ipis_sent),
	PC(ipi_errors),
	PC(spin_waits),

	P("msr_synic_reads", msr_synic.reads, STAT_CUMULATIVE, STAT_UNIT_NONE),
	P("msr_synic_writes", msr_synic.writes, STAT_CUMULATIVE, STAT_UNIT_NONE),
	P("msr_synic_gp", msr_synic.gp, STAT_CUMULATIVE, STAT_UNIT_NONE),
	P("msr_stimer_reads", msr_stimer.reads, STAT_CUMULATIVE, STAT_UNIT_NONE),
	P("msr_stimer_writes", msr_stimer.writes, STAT_CUMULATIVE, STAT_UNIT_NONE),
	P("msr_stimer_gp", msr_stimer.gp, STAT_CUMULATIVE, STAT_UNIT_NONE),
	PC(synic_msgs_posted),
	PC(synic_msgs_delivered),
	PC(synic_msgs_pending),
	PC(synic_msgs_redelivered),
	PC(synic_msgs_dropped),
	PC(synic_msgs_busy),
	PC(synic_msg_polls),
	PC(synic_event_signals),
	PC(synic_event_flags_set),
	PC(synic_event_flags_already),
	PC(synic_sints_raised),
	PC(synic_sints_masked),
	PC(synic_sints_polled),
	PC(synic_raise_errors),
	PC(synic_bad_conn),
	PC(stimer_expirations),
	PC(stimer_missed_ticks),
	PC(stimer_direct_irqs),
	PC(stimer_arm_errors),

	PC(suspensions),
	P("suspended_time", suspended_ns, STAT_CUMULATIVE, STAT_UNIT_NSEC),
	P("suspended_vps", suspended_vps, STAT_INSTANT, STAT_UNIT_NONE),
	PC(inhibit_sets),
	PC(inhibit_clears),
	PC(unsuspends),
	P("vps_retired", vps_retired, STAT_INSTANT, STAT_UNIT_NONE),
	PC(vps_freed),
};

static const struct stat_desc vp_descs[] = {
	STAT_DESC(struct hv_vp_stats, hypercalls, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct hv_vp_stats, flushes, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct hv_vp_stats, suspensions, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct hv_vp_stats, stimer_expirations, STAT_CUMULATIVE, STAT_UNIT_NONE),
	STAT_DESC(struct hv_vp_stats, stimer_missed_ticks, STAT_CUMULATIVE, STAT_UNIT_NONE),
	{ .name = "suspended_time",
	  .type = STAT_CUMULATIVE,
	  .unit = STAT_UNIT_NSEC,
	  .offset = offsetof(struct hv_vp_stats, suspended_ns) },
};

void hv_partition_stats_visit(struct hv_partition *part, stat_visit_fn fn, void *ctx)
{
	stats_visit(partition_descs, ARRAY_SIZE(partition_descs), &part->stats, fn, ctx);
	/* One counter per hypercall, named after its row. */
	for (size_t i = 0; i < hv_hcall_table_size; i++) {
		char name[64];

		snprintf(name, sizeof(name), "hcalls_%s", hv_hcall_table[i].name);
		fn(ctx, name, STAT_CUMULATIVE, STAT_UNIT_NONE, stat_get(&part->stats.hcall[i]));
	}
	stats_visit(partition_tail_descs, ARRAY_SIZE(partition_tail_descs), &part->stats, fn, ctx);
}

void hv_vp_stats_visit(struct hv_vp *vp, stat_visit_fn fn, void *ctx)
{
	stats_visit(vp_descs, ARRAY_SIZE(vp_descs), &vp->stats, fn, ctx);
}
