// SPDX-License-Identifier: MIT
/*
 * Remote TLB flushes (TLFS HvCallFlushVirtualAddressSpace/List and their Ex
 * forms), chosen as Linux's hyperv_flush_tlb_multi() chooses them, with the
 * native shootdown as the fallback. The IPI side is tlbflush_ipi.c.
 */
#include "x86/tlbflush.h"
#include "atomic.h"
#include "string.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "x86/vm.h"

/* Linux's tlb_single_page_flush_ceiling: longer ranges reload CR3. */
#define SINGLE_PAGE_FLUSH_CEILING 33

enum tlb_mode tlb_mode = TLB_MODE_PV;
struct tlb_stats tlb_stats;

static bool pv_flush_ok, pv_ex_ok;
/* The highest VP index of the CPUs online at tlbflush_init() (Linux's
 * hv_max_vp_index). */
static u32 hv_max_vp_index;

const char *tlb_path_name(enum tlb_path p) {
  static const char *const names[TLB_PATH_NR] = {
      [TLB_PATH_NONE] = "none",
      [TLB_PATH_PV] = "pv",
      [TLB_PATH_PV_ALL] = "pv-all",
      [TLB_PATH_PV_EX] = "pv-ex",
      [TLB_PATH_NATIVE] = "native",
      [TLB_PATH_NATIVE_VPINVAL] = "native-vpinval",
      [TLB_PATH_NATIVE_FAILED] = "native-failed",
  };

  return (unsigned int)p < TLB_PATH_NR ? names[p] : "?";
}

void tlb_stats_reset(void) { memset(&tlb_stats, 0, sizeof(tlb_stats)); }

u32 hv_cpu_number_to_vp_number(u32 cpu) {
  struct percpu *pc = per_cpu(cpu);

  return pc ? READ_ONCE(pc->vp_index) : VP_INVAL;
}

int tlbflush_init(void) {
  bool hv = hv_info.present && READ_ONCE(hv_hypercall_pg) &&
            hv_priv(HV_X64_MSR_VP_INDEX_AVAILABLE);
  u32 cpu, max = 0;

  for_each_cpu(cpu, &cpu_online_mask) {
    u32 vp = hv_cpu_number_to_vp_number(cpu);

    if (vp != VP_INVAL && vp > max)
      max = vp;
  }
  WRITE_ONCE(hv_max_vp_index, max);
  pv_flush_ok = hv && hv_recommended(HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED);
  pv_ex_ok = hv && hv_recommended(HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED);
  return hv ? 0 : -ENODEV;
}

bool tlbflush_pv_available(void) { return pv_flush_ok; }

bool tlbflush_ex_available(void) { return pv_ex_ok; }

int cpumask_to_vpset(struct hv_vp_set *set, const struct cpumask *mask) {
  u32 max_bank = READ_ONCE(hv_max_vp_index) / HV_VCPUS_PER_SPARSE_BANK,
      nr_bank = 1, cpu, i;
  u64 w;

  if (max_bank >= HV_MAX_SPARSE_VCPU_BANKS)
    return 0;
  for (u32 b = 0; b <= max_bank; b++)
    set->bank_contents[b] = 0;
  for_each_cpu_fast(cpu, w, i, mask) {
    u32 vp = hv_cpu_number_to_vp_number(cpu), bank;

    if (vp == VP_INVAL)
      return -1;
    bank = vp / HV_VCPUS_PER_SPARSE_BANK;
    /* A CPU that came online after tlbflush_init(): its bank was not cleared.
     */
    if (bank > max_bank)
      return -1;
    set->bank_contents[bank] |= 1ull << (vp % HV_VCPUS_PER_SPARSE_BANK);
    if (bank >= nr_bank)
      nr_bank = bank + 1;
  }
  set->format = HV_GENERIC_SET_SPARSE_4K;
  /* Contiguous from bank 0, empty banks included: what a Linux guest sends. */
  set->valid_bank_mask = nr_bank == 64 ? ~0ull : (1ull << nr_bank) - 1;
  return (int)nr_bank;
}

struct flush_range {
  u64 start, end;
};

static void flush_range_local(void *arg) {
  const struct flush_range *r = arg;
  u64 pages = (r->end - r->start) / PAGE_SIZE;

  if (r->end == TLB_FLUSH_ALL || pages > SINGLE_PAGE_FLUSH_CEILING) {
    flush_tlb_local();
    return;
  }
  for (u64 va = r->start & ~(u64)(PAGE_SIZE - 1); va < r->end; va += PAGE_SIZE)
    invlpg((void *)(uintptr_t)va);
}

void flush_tlb_native_range(const struct cpumask *mask, u64 start, u64 end) {
  struct flush_range r = {start, end};

  on_cpus(mask, flush_range_local, &r);
}

/* Linux's fill_gva_list(): one entry per 16 MiB (4096 pages), the last one
 * shorter. */
static u16 fill_gva_list(u64 *gva_list, u64 start, u64 end) {
  u64 cur = start, diff;
  u16 n = 0;

  do {
    diff = end > cur ? end - cur : 0;
    gva_list[n] = cur & HV_GVA_RANGE_PAGE_MASK;
    if (diff >= HV_TLB_FLUSH_UNIT) {
      gva_list[n] |= HV_GVA_RANGE_ADDITIONAL_MASK;
      cur += HV_TLB_FLUSH_UNIT;
    } else if (diff) {
      gva_list[n] |= (diff - 1) >> 12;
      cur = end;
    }
    n++;
  } while (cur < end);
  return n;
}

/* How many GVA entries [start, end) needs; more than @max_gvas means "flush the
 * space". */
static bool range_fits(u64 start, u64 end, u64 max_gvas) {
  return end != TLB_FLUSH_ALL && (end - start) / HV_TLB_FLUSH_UNIT <= max_gvas;
}

static void result_from(struct tlb_result *res, u16 code, u64 r, u16 rep_count,
                        u16 varhead) {
  res->code = code;
  res->status = hv_result_status(r);
  res->reps = hv_result_reps(r);
  res->rep_count = rep_count;
  res->varhead = varhead;
}

/* The non-Ex call: ProcessorMask or ALL_PROCESSORS
 * (HvCallFlushVirtualAddressSpace/List). */
static u64 flush_nonex(struct hv_tlb_flush *flush, u64 start, u64 end,
                       struct tlb_result *res) {
  u64 max_gvas = (PAGE_SIZE - sizeof(*flush)) / sizeof(u64), r;
  u16 n;

  if (end == TLB_FLUSH_ALL) {
    flush->flags |= HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY;
    r = hv_hypercall_pcpu(
        hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0));
    result_from(res, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, r, 0, 0);
  } else if (!range_fits(start, end, max_gvas)) {
    r = hv_hypercall_pcpu(
        hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0));
    result_from(res, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, r, 0, 0);
  } else {
    struct hv_cpu *c = hv_this_cpu();

    n = fill_gva_list(flush->gva_list, start, end);
    r = hv_rep_hypercall(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, n, 0,
                         hv_pa(c->input), hv_pa(c->output));
    result_from(res, HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, r, n, 0);
  }
  return r;
}

/* The Ex call with a sparse VP set (hyperv_flush_tlb_others_ex()). */
static int flush_ex(struct hv_tlb_flush_ex *flush, const struct cpumask *mask,
                    u64 start, u64 end, struct tlb_result *res) {
  struct hv_cpu *c = hv_this_cpu();
  int nr_bank;
  u64 max_gvas, r;
  u16 n;

  nr_bank = cpumask_to_vpset((struct hv_vp_set *)&flush->hv_vp_set, mask);
  if (nr_bank < 0)
    return -1;
  if (nr_bank == 0)
    return -2;
  max_gvas = (PAGE_SIZE - sizeof(*flush) - (u64)nr_bank * 8) / 8;
  if (end == TLB_FLUSH_ALL || !range_fits(start, end, max_gvas)) {
    if (end == TLB_FLUSH_ALL)
      flush->flags |= HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY;
    r = hv_hypercall_pcpu(hv_control(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX,
                                     false, (u16)nr_bank, 0, 0));
    result_from(res, HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, r, 0, (u16)nr_bank);
  } else {
    n = fill_gva_list(&flush->data[nr_bank], start, end);
    r = hv_rep_hypercall(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, n, (u16)nr_bank,
                         hv_pa(c->input), hv_pa(c->output));
    result_from(res, HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, r, n, (u16)nr_bank);
  }
  return 0;
}

/* The hypercall part; returns the path, or a NATIVE_* path when the caller must
 * go native. */
static enum tlb_path flush_pv(const struct cpumask *mask, u64 start, u64 end,
                              struct tlb_result *res) {
  struct hv_cpu *c = hv_this_cpu();
  struct hv_tlb_flush *flush;
  enum tlb_path path = TLB_PATH_PV;
  u32 cpu, i;
  u64 w;

  if (!c || !c->input)
    return TLB_PATH_NATIVE;
  flush = c->input;
  /* As Linux with an mm: this address space, PCID bits stripped, no flags. */
  flush->address_space = read_cr3() & PTE_ADDR;
  flush->flags = 0;
  flush->processor_mask = 0;
  if (cpumask_equal(mask, &cpu_present_mask)) {
    /* Linux uses the non-Ex call for "all" even with more than 64 VPs. */
    flush->flags |= HV_FLUSH_ALL_PROCESSORS;
    path = TLB_PATH_PV_ALL;
  } else {
    for_each_cpu_fast(cpu, w, i, mask) {
      u32 vp = hv_cpu_number_to_vp_number(cpu);

      if (vp == VP_INVAL)
        return TLB_PATH_NATIVE_VPINVAL;
      if (vp >= 64)
        goto do_ex;
      flush->processor_mask |= 1ull << vp;
    }
    if (!flush->processor_mask)
      return TLB_PATH_NONE;
  }
  if (hv_result_status(flush_nonex(flush, start, end, res)) !=
      HV_STATUS_SUCCESS)
    return TLB_PATH_NATIVE_FAILED;
  return path;

do_ex:
  if (!pv_ex_ok)
    return TLB_PATH_NATIVE;
  switch (flush_ex((struct hv_tlb_flush_ex *)flush, mask, start, end, res)) {
  case 0:
    break;
  case -1:
    return TLB_PATH_NATIVE_VPINVAL;
  default:
    return TLB_PATH_NATIVE;
  }
  if (res->status != HV_STATUS_SUCCESS)
    return TLB_PATH_NATIVE_FAILED;
  return TLB_PATH_PV_EX;
}

enum tlb_path flush_tlb_others(const struct cpumask *mask, u64 start, u64 end,
                               struct tlb_result *res) {
  struct tlb_result local;
  enum tlb_path path = TLB_PATH_NATIVE;

  if (!res)
    res = &local;
  *res = (struct tlb_result){0};
  if (tlb_mode == TLB_MODE_PV && pv_flush_ok) {
    /* The per-CPU input page is ours until the call returns (Linux: IRQs off).
     */
    u64 flags = irq_save();

    path = flush_pv(mask, start, end, res);
    irq_restore(flags);
  }
  if (!tlb_path_is_pv(path) && path != TLB_PATH_NONE)
    flush_tlb_native_range(mask, start, end);
  res->path = path;
  atomic_inc(&tlb_stats.flush[path]);
  return path;
}
