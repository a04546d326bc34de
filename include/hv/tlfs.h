/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V ABI as seen by an x64 guest: CPUID leaves and bits, synthetic MSRs and their
 * fields, hypercall codes, the hypercall input/result values, status codes and the input
 * structures of the calls hvemu implements. Constants and layouts only, no logic.
 *
 * Freestanding (<stdint.h> only): also compiled into the guest runtime with -ffreestanding.
 * Every layout carries _Static_assert on its size and on the offset of every field.
 *
 * Sources: Microsoft "Hypervisor Top Level Functional Specification" (TLFS, the markdown
 * pages under virtualization/hyper-v-on-windows/tlfs and the 6.0b PDF); names follow Linux
 * (include/hyperv/hvgdk_mini.h, arch/x86/include/asm/hyperv-tlfs.h) where Linux has one.
 */
#ifndef HVEMU_HV_TLFS_H
#define HVEMU_HV_TLFS_H

#include <stdint.h>

#define HV_BIT(n)	 (1u << (n))
#define HV_BIT_ULL(n)	 (1ull << (n))
#define HV_PAGE_SHIFT	 12
#define HV_PAGE_SIZE	 4096u
#define HV_PAGE_MASK_ULL (~0xFFFull)

/* --- CPUID leaves (TLFS "Feature and Interface Discovery") ----------------------------- */

#define HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS 0x40000000u
#define HYPERV_CPUID_INTERFACE		      0x40000001u
#define HYPERV_CPUID_VERSION		      0x40000002u
#define HYPERV_CPUID_FEATURES		      0x40000003u
#define HYPERV_CPUID_ENLIGHTMENT_INFO	      0x40000004u
#define HYPERV_CPUID_IMPLEMENT_LIMITS	      0x40000005u
#define HYPERV_CPUID_HW_FEATURES	      0x40000006u /* implementation hardware features */
#define HYPERV_CPUID_CPU_MANAGEMENT_FEATURES  0x40000007u /* root partition only */
#define HYPERV_CPUID_SVM_FEATURES	      0x40000008u /* shared virtual memory, root only */
#define HYPERV_CPUID_NESTED_PRIVILEGES	      0x40000009u /* nested hypervisor feature ID */
#define HYPERV_CPUID_NESTED_FEATURES	      0x4000000Au /* nested optimisations */

/* Linux accepts a max leaf in [HYPERV_CPUID_MIN, HYPERV_CPUID_MAX] (mshyperv.c). */
#define HYPERV_CPUID_MIN 0x40000005u
#define HYPERV_CPUID_MAX 0x4000FFFFu

/* "Microsoft Hv" in EBX:ECX:EDX of 0x40000000. */
#define HYPERV_CPUID_VENDOR_EBX 0x7263694Du /* "Micr" */
#define HYPERV_CPUID_VENDOR_ECX 0x666F736Fu /* "osof" */
#define HYPERV_CPUID_VENDOR_EDX 0x76482074u /* "t Hv" */
/* "Hv#1" in EAX of 0x40000001: GUEST_OS_ID, HYPERCALL and VP_INDEX are implemented. */
#define HYPERV_CPUID_SIGNATURE_EAX 0x31237648u

/* 0x40000003.EAX: partition privileges, bits 31:0 (TLFS HV_PARTITION_PRIVILEGE_MASK). */
#define HV_X64_MSR_VP_RUNTIME_AVAILABLE	    HV_BIT(0) /* AccessVpRunTimeReg */
#define HV_X64_MSR_TIME_REF_COUNT_AVAILABLE HV_BIT(1) /* AccessPartitionReferenceCounter */
#define HV_X64_MSR_SYNIC_AVAILABLE	    HV_BIT(2) /* AccessSynicRegs */
#define HV_X64_MSR_SYNTIMER_AVAILABLE	    HV_BIT(3) /* AccessSyntheticTimerRegs */
#define HV_X64_MSR_APIC_ACCESS_AVAILABLE                         \
	HV_BIT(4) /* AccessIntrCtrlRegs (EOI/ICR/TPR, VP assist) \
		   */
#define HV_X64_MSR_HYPERCALL_AVAILABLE	   HV_BIT(5)  /* AccessHypercallMsrs */
#define HV_X64_MSR_VP_INDEX_AVAILABLE	   HV_BIT(6)  /* AccessVpIndex */
#define HV_X64_MSR_RESET_AVAILABLE	   HV_BIT(7)  /* AccessResetReg */
#define HV_X64_MSR_STAT_PAGES_AVAILABLE	   HV_BIT(8)  /* AccessStatsReg */
#define HV_X64_MSR_REFERENCE_TSC_AVAILABLE HV_BIT(9)  /* AccessPartitionReferenceTsc */
#define HV_X64_MSR_GUEST_IDLE_AVAILABLE	   HV_BIT(10) /* AccessGuestIdleReg */
#define HV_X64_ACCESS_FREQUENCY_MSRS	   HV_BIT(11) /* AccessFrequencyRegs */
#define HV_X64_ACCESS_REENLIGHTENMENT	   HV_BIT(13) /* AccessReenlightenmentControls */
#define HV_X64_ACCESS_TSC_INVARIANT	   HV_BIT(15) /* AccessTscInvariantControls */

/* 0x40000003.EBX: partition privileges, bits 63:32. */
#define HV_CREATE_PARTITIONS	      HV_BIT(0)
#define HV_ACCESS_PARTITION_ID	      HV_BIT(1)
#define HV_ACCESS_MEMORY_POOL	      HV_BIT(2)
#define HV_ADJUST_MESSAGE_BUFFERS     HV_BIT(3)
#define HV_POST_MESSAGES	      HV_BIT(4)
#define HV_SIGNAL_EVENTS	      HV_BIT(5)
#define HV_CREATE_PORT		      HV_BIT(6)
#define HV_CONNECT_PORT		      HV_BIT(7)
#define HV_ACCESS_STATS		      HV_BIT(8)
#define HV_DEBUGGING		      HV_BIT(11)
#define HV_CPU_MANAGEMENT	      HV_BIT(12)
#define HV_ACCESS_VSM		      HV_BIT(16)
#define HV_ACCESS_VP_REGISTERS	      HV_BIT(17)
#define HV_ENABLE_EXTENDED_HYPERCALLS HV_BIT(20)
#define HV_START_VIRTUAL_PROCESSOR    HV_BIT(21)
#define HV_ISOLATION		      HV_BIT(22)

/* 0x40000003.EDX: miscellaneous features. */
#define HV_X64_MWAIT_AVAILABLE			  HV_BIT(0)
#define HV_X64_GUEST_DEBUGGING_AVAILABLE	  HV_BIT(1)
#define HV_X64_PERF_MONITOR_AVAILABLE		  HV_BIT(2)
#define HV_X64_CPU_DYNAMIC_PARTITIONING_AVAILABLE HV_BIT(3)
#define HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE	  HV_BIT(4)
#define HV_X64_GUEST_IDLE_STATE_AVAILABLE	  HV_BIT(5)
#define HV_FEATURE_FREQUENCY_MSRS_AVAILABLE	  HV_BIT(8)
#define HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE	  HV_BIT(10)
#define HV_FEATURE_DEBUG_MSRS_AVAILABLE		  HV_BIT(11)
#define HV_FEATURE_EXT_GVA_RANGES_FLUSH		  HV_BIT(14)
#define HV_X64_HYPERCALL_XMM_OUTPUT_AVAILABLE	  HV_BIT(15)
#define HV_X64_HYPERCALL_MSR_LOCK_AVAILABLE	  HV_BIT(18)
#define HV_STIMER_DIRECT_MODE_AVAILABLE		  HV_BIT(19)

/* 0x40000004.EAX: implementation recommendations. */
#define HV_X64_AS_SWITCH_RECOMMENDED	      HV_BIT(0)
#define HV_X64_LOCAL_TLB_FLUSH_RECOMMENDED    HV_BIT(1)
#define HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED   HV_BIT(2)
#define HV_X64_APIC_ACCESS_RECOMMENDED	      HV_BIT(3)
#define HV_X64_SYSTEM_RESET_RECOMMENDED	      HV_BIT(4)
#define HV_X64_RELAXED_TIMING_RECOMMENDED     HV_BIT(5)
#define HV_DEPRECATING_AEOI_RECOMMENDED	      HV_BIT(9)
#define HV_X64_CLUSTER_IPI_RECOMMENDED	      HV_BIT(10)
#define HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED HV_BIT(11)
#define HV_X64_HYPERV_NESTED		      HV_BIT(12)
#define HV_X64_ENLIGHTENED_VMCS_RECOMMENDED   HV_BIT(14)
#define HV_X64_NO_NONARCH_CORESHARING	      HV_BIT(18)
/* 0x40000004.EBX: spinlock retries before HvCallNotifyLongSpinWait; this value = never. */
#define HYPERV_SPINLOCK_NEVER_NOTIFY 0xFFFFFFFFu

/* --- synthetic MSRs (x64) ----------------------------------------------------------- */

#define HV_X64_MSR_GUEST_OS_ID		   0x40000000u
#define HV_X64_MSR_HYPERCALL		   0x40000001u
#define HV_X64_MSR_VP_INDEX		   0x40000002u
#define HV_X64_MSR_RESET		   0x40000003u
#define HV_X64_MSR_VP_RUNTIME		   0x40000010u
#define HV_X64_MSR_TIME_REF_COUNT	   0x40000020u
#define HV_X64_MSR_REFERENCE_TSC	   0x40000021u
#define HV_X64_MSR_TSC_FREQUENCY	   0x40000022u
#define HV_X64_MSR_APIC_FREQUENCY	   0x40000023u
#define HV_X64_MSR_EOI			   0x40000070u
#define HV_X64_MSR_ICR			   0x40000071u
#define HV_X64_MSR_TPR			   0x40000072u
#define HV_X64_MSR_VP_ASSIST_PAGE	   0x40000073u
#define HV_X64_MSR_SCONTROL		   0x40000080u
#define HV_X64_MSR_SVERSION		   0x40000081u
#define HV_X64_MSR_SIEFP		   0x40000082u
#define HV_X64_MSR_SIMP			   0x40000083u
#define HV_X64_MSR_EOM			   0x40000084u
#define HV_X64_MSR_SINT0		   0x40000090u
#define HV_X64_MSR_SINT15		   0x4000009Fu
#define HV_X64_MSR_STIMER0_CONFIG	   0x400000B0u
#define HV_X64_MSR_STIMER0_COUNT	   0x400000B1u
#define HV_X64_MSR_STIMER3_CONFIG	   0x400000B6u
#define HV_X64_MSR_STIMER3_COUNT	   0x400000B7u
#define HV_X64_MSR_GUEST_IDLE		   0x400000F0u
#define HV_X64_MSR_SYNDBG_CONTROL	   0x400000F1u
#define HV_X64_MSR_SYNDBG_PENDING_BUFFER   0x400000F5u
#define HV_X64_MSR_SYNDBG_OPTIONS	   0x400000FFu
#define HV_X64_MSR_CRASH_P0		   0x40000100u
#define HV_X64_MSR_CRASH_P1		   0x40000101u
#define HV_X64_MSR_CRASH_P2		   0x40000102u
#define HV_X64_MSR_CRASH_P3		   0x40000103u
#define HV_X64_MSR_CRASH_P4		   0x40000104u
#define HV_X64_MSR_CRASH_CTL		   0x40000105u
#define HV_X64_MSR_REENLIGHTENMENT_CONTROL 0x40000106u
#define HV_X64_MSR_TSC_EMULATION_CONTROL   0x40000107u
#define HV_X64_MSR_TSC_EMULATION_STATUS	   0x40000108u
#define HV_X64_MSR_TSC_INVARIANT_CONTROL   0x40000118u

/* The range reserved for synthetic MSRs (the MSR filter hvemu installs covers it). */
#define HV_X64_MSR_SYNTHETIC_FIRST 0x40000000u
#define HV_X64_MSR_SYNTHETIC_LAST  0x400001FFu

/*
 * HV_X64_MSR_GUEST_OS_ID (TLFS "Reporting the Guest OS Identity"). Bit 63 says which of
 * the two encodings follows. Open source: OS type 62:56 (1 Linux, 2 FreeBSD, 3 Xen,
 * 4 Illumos), OS ID 55:48, version 47:16 (Linux puts LINUX_VERSION_CODE there:
 * arch/x86/include/asm/mshyperv.h hv_generate_guest_id), build 15:0. Proprietary: vendor
 * 62:48 (1 Microsoft), OS ID 47:40 (4 Windows NT), major 39:32, minor 31:24, service
 * version 23:16, build 15:0.
 */
#define HV_GUEST_OS_ID_OPEN_SOURCE   HV_BIT_ULL(63)
#define HV_GUEST_OS_TYPE_LINUX	     0x1u
#define HV_GUEST_OS_TYPE_FREEBSD     0x2u
#define HV_GUEST_OS_TYPE_XEN	     0x3u
#define HV_GUEST_OS_TYPE_ILLUMOS     0x4u
#define HV_GUEST_OS_VENDOR_MICROSOFT 0x1u
#define HV_GUEST_OS_MICROSOFT_NT     0x4u

/* HV_X64_MSR_HYPERCALL (TLFS "Establishing the Hypercall Interface"). */
#define HV_X64_MSR_HYPERCALL_ENABLE		HV_BIT_ULL(0)
#define HV_X64_MSR_HYPERCALL_LOCKED		HV_BIT_ULL(1) /* immutable until reset */
#define HV_X64_MSR_HYPERCALL_RSVDP_MASK		0xFFCull      /* bits 11:2 */
#define HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_SHIFT 12
#define HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK	HV_PAGE_MASK_ULL

/* HV_X64_MSR_REFERENCE_TSC (TLFS "Partition Reference TSC Mechanism"). */
#define HV_X64_MSR_TSC_REFERENCE_ENABLE	       HV_BIT_ULL(0)
#define HV_X64_MSR_TSC_REFERENCE_ADDRESS_SHIFT 12
#define HV_X64_MSR_TSC_REFERENCE_ADDRESS_MASK  HV_PAGE_MASK_ULL

/* HV_X64_MSR_VP_ASSIST_PAGE (TLFS "Virtual Processor Assist Page"). */
#define HV_X64_MSR_VP_ASSIST_PAGE_ENABLE	HV_BIT_ULL(0)
#define HV_X64_MSR_VP_ASSIST_PAGE_ADDRESS_SHIFT 12
#define HV_X64_MSR_VP_ASSIST_PAGE_ADDRESS_MASK	HV_PAGE_MASK_ULL

/* HV_X64_MSR_RESET: writing this value resets the partition. */
#define HV_X64_MSR_RESET_VALUE 1ull

/* HV_X64_MSR_CRASH_CTL (TLFS "Guest Crash Enlightenment Interface"). */
#define HV_CRASH_CTL_CRASH_NOTIFY_MSG HV_BIT_ULL(62)
#define HV_CRASH_CTL_CRASH_NOTIFY     HV_BIT_ULL(63)
#define HV_CRASH_PARAMS		      5 /* CRASH_P0..CRASH_P4 */

/* HV_X64_MSR_TSC_INVARIANT_CONTROL: bit 0 exposes CPUID 0x80000007.EDX[8] (invariant TSC). */
#define HV_EXPOSE_INVARIANT_TSC HV_BIT_ULL(0)

/* HV_X64_MSR_TPR: TPR in 7:0. HV_X64_MSR_ICR: ICR-high in 63:32, ICR-low in 31:0. */
#define HV_X64_MSR_TPR_MASK 0xFFull

/* The partition reference time counts 100 ns units. */
#define HV_CLOCK_HZ 10000000ull

/* --- SynIC (TLFS "Inter-Partition Communication", "Synthetic Interrupt Controller") --- */

#define HV_SYNIC_SINT_COUNT	    16
#define HV_SYNIC_VERSION_1	    1ull /* HV_X64_MSR_SVERSION */
#define HV_SYNIC_CONTROL_ENABLE	    HV_BIT_ULL(0)
#define HV_SYNIC_SIMP_ENABLE	    HV_BIT_ULL(0)
#define HV_SYNIC_SIEFP_ENABLE	    HV_BIT_ULL(0)
#define HV_SYNIC_SINT_VECTOR_MASK   0xFFull
#define HV_SYNIC_SINT_MASKED	    HV_BIT_ULL(16)
#define HV_SYNIC_SINT_AUTO_EOI	    HV_BIT_ULL(17)
#define HV_SYNIC_SINT_POLLING	    HV_BIT_ULL(18)
#define HV_SYNIC_FIRST_VALID_VECTOR 16
/* A SINT's value after reset: masked, vector 0. */
#define HV_SYNIC_SINT_RESET   HV_SYNIC_SINT_MASKED
#define HV_SYNIC_STIMER_COUNT 4

/* STIMERn_CONFIG (TLFS "Synthetic Timer Configuration Register"). */
#define HV_STIMER_ENABLE	    HV_BIT_ULL(0)
#define HV_STIMER_PERIODIC	    HV_BIT_ULL(1)
#define HV_STIMER_LAZY		    HV_BIT_ULL(2)
#define HV_STIMER_AUTOENABLE	    HV_BIT_ULL(3)
#define HV_STIMER_APIC_VECTOR_SHIFT 4
#define HV_STIMER_APIC_VECTOR_MASK  0xFF0ull /* bits 11:4 */
#define HV_STIMER_DIRECT_MODE	    HV_BIT_ULL(12)
#define HV_STIMER_SINT_SHIFT	    16
#define HV_STIMER_SINT_MASK	    0xF0000ull /* bits 19:16 */
#define HV_STIMER_CONFIG(n)	    (HV_X64_MSR_STIMER0_CONFIG + 2u * (n))
#define HV_STIMER_COUNT(n)	    (HV_X64_MSR_STIMER0_COUNT + 2u * (n))

/* Connection IDs are 24 bits (TLFS HV_CONNECTION_ID). */
#define HV_CONNECTION_ID_MASK 0xFFFFFFull
/* HvCallSignalEvent's fast input: connection ID 23:0, flag number 47:32. */
#define HV_SIGNAL_EVENT_FLAG_SHIFT 32
#define HV_SIGNAL_EVENT_FLAG_MASK  0xFFFF00000000ull

/* Message types (TLFS HV_MESSAGE_TYPE); bit 31 set: sent by the hypervisor. */
#define HVMSG_NONE		   0x00000000u
#define HVMSG_TIMER_EXPIRED	   0x80000010u
#define HV_MESSAGE_TYPE_HYPERVISOR 0x80000000u

#define HV_MESSAGE_SIZE		       256
#define HV_MESSAGE_PAYLOAD_BYTE_COUNT  240
#define HV_MESSAGE_PAYLOAD_QWORD_COUNT 30
#define HV_MESSAGE_FLAG_PENDING	       HV_BIT(0) /* hv_message_header.message_flags */

/* TLFS HV_MESSAGE_HEADER and HV_MESSAGE: one 256-byte slot of the message page. */
struct hv_message_header {
	uint32_t message_type;
	uint8_t payload_size;
	uint8_t message_flags; /* HV_MESSAGE_FLAG_PENDING: msg_pending */
	uint8_t reserved[2];
	uint64_t sender; /* port ID or partition ID; 0 here */
};

struct hv_message {
	struct hv_message_header header;
	uint64_t payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
};

/* The SIMP page: one message slot per SINT. */
struct hv_message_page {
	struct hv_message sint_message[HV_SYNIC_SINT_COUNT];
};

/* The SIEFP page: 2048 event flags per SINT. */
#define HV_EVENT_FLAGS_COUNT  2048
#define HV_EVENT_FLAGS_QWORDS (HV_EVENT_FLAGS_COUNT / 64)
struct hv_synic_event_flags {
	uint64_t flags[HV_EVENT_FLAGS_QWORDS];
};
struct hv_synic_event_flags_page {
	struct hv_synic_event_flags sintevent_flags[HV_SYNIC_SINT_COUNT];
};

/* HVMSG_TIMER_EXPIRED's payload (TLFS HV_TIMER_MESSAGE_PAYLOAD). */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time; /* reference time the timer was due */
	uint64_t delivery_time;	  /* reference time the message was written */
};

/* HvCallPostMessage (0x005C) input (TLFS HV_INPUT_POST_MESSAGE). */
struct hv_input_post_message {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint64_t payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
};

/* --- hypercall input value (TLFS hypercall-interface "Hypercall Inputs") ------------- */

#define HV_HYPERCALL_CODE_MASK	      0xFFFFull
#define HV_HYPERCALL_FAST_BIT	      HV_BIT_ULL(16)
#define HV_HYPERCALL_VARHEAD_OFFSET   17
#define HV_HYPERCALL_VARHEAD_MASK     0x7FE0000ull /* bits 26:17, QWORDs */
#define HV_HYPERCALL_NESTED	      HV_BIT_ULL(31)
#define HV_HYPERCALL_REP_COMP_OFFSET  32
#define HV_HYPERCALL_REP_COMP_1	      HV_BIT_ULL(32)
#define HV_HYPERCALL_REP_COMP_MASK    0xFFF00000000ull /* bits 43:32 */
#define HV_HYPERCALL_REP_START_OFFSET 48
#define HV_HYPERCALL_REP_START_MASK   0xFFF000000000000ull /* bits 59:48 */
/*
 * Reserved bits 63:60, 47:44 and 31:27. Bit 31 ("Is Nested") is included as KVM and Linux
 * do: an L1 guest that sets it gets HV_STATUS_INVALID_HYPERCALL_INPUT.
 */
#define HV_HYPERCALL_RSVD_MASK 0xF000F000F8000000ull

/* Hypercall result value (TLFS "Hypercall Outputs"). */
#define HV_HYPERCALL_RESULT_MASK    0xFFFFull /* HV_STATUS */
#define HV_HYPERCALL_REP_COMP_SHIFT 32	      /* reps completed in 43:32 */

/* XMM fast input: RDX, R8, then XMM0-XMM5 (TLFS "XMM Fast Hypercall Input"). */
#define HV_HYPERCALL_MAX_XMM_REGISTERS 6
#define HV_HYPERCALL_FAST_INPUT_BYTES  112u /* 2 GPRs + 6 XMM registers */
#define HV_HYPERCALL_MAX_REP	       0xFFFu
#define HV_HYPERCALL_MAX_VARHEAD       0x3FFu

/* --- hypercall codes ---------------------------------------------------------------- */

#define HVCALL_SWITCH_VIRTUAL_ADDRESS_SPACE	  0x0001
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE	  0x0002
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST	  0x0003
#define HVCALL_GET_LOGICAL_PROCESSOR_RUN_TIME	  0x0004
#define HVCALL_NOTIFY_LONG_SPIN_WAIT		  0x0008
#define HVCALL_SEND_IPI				  0x000B
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX	  0x0013
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX	  0x0014
#define HVCALL_SEND_IPI_EX			  0x0015
#define HVCALL_GET_VP_REGISTERS			  0x0050
#define HVCALL_SET_VP_REGISTERS			  0x0051
#define HVCALL_POST_MESSAGE			  0x005C
#define HVCALL_SIGNAL_EVENT			  0x005D
#define HVCALL_POST_DEBUG_DATA			  0x0069
#define HVCALL_RETRIEVE_DEBUG_DATA		  0x006A
#define HVCALL_RESET_DEBUG_SESSION		  0x006B
#define HVCALL_RETARGET_INTERRUPT		  0x007E
#define HVCALL_START_VP				  0x0099
#define HVCALL_GET_VP_ID_FROM_APIC_ID		  0x009A
#define HVCALL_FLUSH_GUEST_PHYSICAL_ADDRESS_SPACE 0x00AF
#define HVCALL_FLUSH_GUEST_PHYSICAL_ADDRESS_LIST  0x00B0
/* Extended hypercalls (TLFS "Extended Hypercall Interface"): 0x8001 and the 64 after it. */
#define HV_EXT_CALL_QUERY_CAPABILITIES 0x8001
#define HV_EXT_CALL_MEMORY_HEAT_HINT   0x8003
#define HV_EXT_CALL_LAST	       0x8041

/* --- status codes (HV_STATUS) -------------------------------------------------------- */

#define HV_STATUS_SUCCESS		      0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE      0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT     0x0003
#define HV_STATUS_INVALID_ALIGNMENT	      0x0004
#define HV_STATUS_INVALID_PARAMETER	      0x0005
#define HV_STATUS_ACCESS_DENIED		      0x0006
#define HV_STATUS_INVALID_PARTITION_STATE     0x0007
#define HV_STATUS_OPERATION_DENIED	      0x0008
#define HV_STATUS_UNKNOWN_PROPERTY	      0x0009
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x000A
#define HV_STATUS_INSUFFICIENT_MEMORY	      0x000B
#define HV_STATUS_INVALID_PARTITION_ID	      0x000D
#define HV_STATUS_INVALID_VP_INDEX	      0x000E
#define HV_STATUS_NOT_FOUND		      0x0010
#define HV_STATUS_INVALID_PORT_ID	      0x0011
#define HV_STATUS_INVALID_CONNECTION_ID	      0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS	      0x0013
#define HV_STATUS_NOT_ACKNOWLEDGED	      0x0014
#define HV_STATUS_INVALID_VP_STATE	      0x0015
#define HV_STATUS_NO_RESOURCES		      0x001D
#define HV_STATUS_OPERATION_FAILED	      0x0071
#define HV_STATUS_TIME_OUT		      0x0078
#define HV_STATUS_CALL_PENDING		      0x0079

/* --- TLB flush (HvCallFlushVirtualAddressSpace/List[Ex]) ----------------------------- */

#define HV_FLUSH_ALL_PROCESSORS		    HV_BIT_ULL(0)
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES HV_BIT_ULL(1)
#define HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY   HV_BIT_ULL(2) /* invalid for the List calls */
#define HV_FLUSH_USE_EXTENDED_RANGE_FORMAT  HV_BIT_ULL(3) /* needs 0x40000003.EDX b14 */

/*
 * A GVA range, the rep element of the List calls (TLFS HvCallFlushVirtualAddressList):
 * bits 63:12 the page number, bits 11:0 the number of additional pages (1-4096 pages).
 */
#define HV_GVA_RANGE_PAGE_MASK	     HV_PAGE_MASK_ULL
#define HV_GVA_RANGE_ADDITIONAL_MASK 0xFFFull
#define HV_TLB_FLUSH_UNIT	     (4096ull * HV_PAGE_SIZE) /* most one entry covers */
/*
 * The extended format (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT; seen only in OpenVMM's hvdef,
 * not advertised by hvemu): 10:0 additional pages, 11 large page, 12 page size
 * (0 = 2 MiB, 1 = 1 GiB), 63:21 large page number.
 */
#define HV_GVA_RANGE_EXT_ADDITIONAL_MASK 0x7FFull
#define HV_GVA_RANGE_EXT_LARGE_PAGE	 HV_BIT_ULL(11)
#define HV_GVA_RANGE_EXT_PAGE_SIZE_1G	 HV_BIT_ULL(12)

/* --- sparse VP sets (TLFS datatypes/hv_vp_set) --------------------------------------- */

#define HV_GENERIC_SET_SPARSE_4K 0ull
#define HV_GENERIC_SET_ALL	 1ull
#define HV_MAX_SPARSE_VCPU_BANKS 64
#define HV_VCPUS_PER_SPARSE_BANK 64
/* A VP index Linux has not learned yet (hv_vp_index[] is filled with it). */
#define VP_INVAL 0xFFFFFFFFu

/* Synthetic cluster IPI vectors (TLFS HvCallSendSyntheticClusterIpi). */
#define HV_IPI_LOW_VECTOR  0x10
#define HV_IPI_HIGH_VECTOR 0xFF

/*
 * HV_VP_SET (named hv_vp_set here: struct hv_vpset in src/hv/hv.h is the decoded set):
 * format, a bitmask of the banks present, then one 64-bit bank (64 VP indexes)
 * per set bit of valid_bank_mask, in increasing bank order. The banks are the variable
 * header of the Ex calls: varhead size = popcount(valid_bank_mask).
 */
struct hv_vp_set {
	uint64_t format;
	uint64_t valid_bank_mask;
	uint64_t bank_contents[];
};

/* The fixed part of HV_VP_SET, for the structures that embed one. */
struct hv_vp_set_header {
	uint64_t format;
	uint64_t valid_bank_mask;
};

/* HvCallFlushVirtualAddressSpace (0x0002) / HvCallFlushVirtualAddressList (0x0003). */
struct hv_tlb_flush {
	uint64_t address_space;	 /* CR3 */
	uint64_t flags;		 /* HV_FLUSH_* */
	uint64_t processor_mask; /* bit n = VP index n */
	uint64_t gva_list[];	 /* List only: the rep elements */
};

/*
 * HvCallFlushVirtualAddressSpaceEx (0x0013) / ListEx (0x0014). data[] holds the VP set's
 * bank_contents[nbanks] and, for ListEx, the GVA list after them (gva_list = &data[nbanks]).
 */
struct hv_tlb_flush_ex {
	uint64_t address_space;
	uint64_t flags;
	struct hv_vp_set_header hv_vp_set;
	uint64_t data[];
};

/* HvCallSendSyntheticClusterIpi (0x000B). */
struct hv_send_ipi {
	uint32_t vector;
	uint32_t reserved; /* TargetVtl (byte 4) + padding in the TLFS; KVM ignores it */
	uint64_t cpu_mask;
};

/* HvCallSendSyntheticClusterIpiEx (0x0015); bank_contents[] follow the VP set header. */
struct hv_send_ipi_ex {
	uint32_t vector;
	uint32_t reserved;
	struct hv_vp_set_header vp_set;
	uint64_t bank_contents[];
};

/* HvCallNotifyLongSpinWait (0x0008): the spin count (KVM does not read it). */
struct hv_notify_long_spin_wait {
	uint64_t spin_count;
};

/* --- shared pages -------------------------------------------------------------------- */

/*
 * The reference TSC page (TLFS "Partition Reference TSC Mechanism"):
 *   ReferenceTime = ((VirtualTsc * tsc_scale) >> 64) + tsc_offset   (100 ns units)
 * tsc_sequence 0 (and 0xFFFFFFFF, which KVM uses while updating) means "not valid, read
 * HV_X64_MSR_TIME_REF_COUNT". The rest of the 4 KiB page is reserved.
 */
struct hv_reference_tsc_page {
	uint32_t tsc_sequence;
	uint32_t reserved1;
	uint64_t tsc_scale;
	int64_t tsc_offset;
};
#define HV_TSC_SEQUENCE_INVALID	 0u
#define HV_TSC_SEQUENCE_UPDATING 0xFFFFFFFFu

/* The VP assist page (TLFS datatypes/hv_vp_assist_page). */
struct hv_vp_assist_page {
	uint32_t apic_assist; /* bit 0: no EOI required (EOI assist) */
	uint32_t reserved1;
	uint32_t vtl_entry_reason;
	uint32_t vtl_reserved;
	uint64_t vtl_ret_x64rax;
	uint64_t vtl_ret_x64rcx;
	uint64_t nested_control; /* features.directhypercall b0; hypercall_controls b32 */
	uint8_t enlighten_vmentry;
	uint8_t reserved2[7];
	uint64_t current_nested_vmcs;
	uint8_t synthetic_time_unhalted_timer_expired;
	uint8_t reserved3[7];
	uint8_t virtualization_fault_information[40];
	uint64_t reserved4;
	uint8_t intercept_message[256];
	uint8_t vtl_ret_actions[256];
};
#define HV_VP_ASSIST_NO_EOI_REQUIRED HV_BIT(0)

/* --- layout checks ------------------------------------------------------------------- */

#define HV_TLFS_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " offset")

_Static_assert(sizeof(struct hv_vp_set) == 16, "hv_vp_set size");
HV_TLFS_OFFSET(struct hv_vp_set, format, 0);
HV_TLFS_OFFSET(struct hv_vp_set, valid_bank_mask, 8);
HV_TLFS_OFFSET(struct hv_vp_set, bank_contents, 16);

_Static_assert(sizeof(struct hv_vp_set_header) == 16, "hv_vp_set_header size");
HV_TLFS_OFFSET(struct hv_vp_set_header, format, 0);
HV_TLFS_OFFSET(struct hv_vp_set_header, valid_bank_mask, 8);

_Static_assert(sizeof(struct hv_tlb_flush) == 24, "hv_tlb_flush size");
HV_TLFS_OFFSET(struct hv_tlb_flush, address_space, 0);
HV_TLFS_OFFSET(struct hv_tlb_flush, flags, 8);
HV_TLFS_OFFSET(struct hv_tlb_flush, processor_mask, 16);
HV_TLFS_OFFSET(struct hv_tlb_flush, gva_list, 24);

_Static_assert(sizeof(struct hv_tlb_flush_ex) == 32, "hv_tlb_flush_ex size");
HV_TLFS_OFFSET(struct hv_tlb_flush_ex, address_space, 0);
HV_TLFS_OFFSET(struct hv_tlb_flush_ex, flags, 8);
HV_TLFS_OFFSET(struct hv_tlb_flush_ex, hv_vp_set.format, 16);
HV_TLFS_OFFSET(struct hv_tlb_flush_ex, hv_vp_set.valid_bank_mask, 24);
HV_TLFS_OFFSET(struct hv_tlb_flush_ex, data, 32);

_Static_assert(sizeof(struct hv_send_ipi) == 16, "hv_send_ipi size");
HV_TLFS_OFFSET(struct hv_send_ipi, vector, 0);
HV_TLFS_OFFSET(struct hv_send_ipi, reserved, 4);
HV_TLFS_OFFSET(struct hv_send_ipi, cpu_mask, 8);

_Static_assert(sizeof(struct hv_send_ipi_ex) == 24, "hv_send_ipi_ex size");
HV_TLFS_OFFSET(struct hv_send_ipi_ex, vector, 0);
HV_TLFS_OFFSET(struct hv_send_ipi_ex, reserved, 4);
HV_TLFS_OFFSET(struct hv_send_ipi_ex, vp_set.format, 8);
HV_TLFS_OFFSET(struct hv_send_ipi_ex, vp_set.valid_bank_mask, 16);
HV_TLFS_OFFSET(struct hv_send_ipi_ex, bank_contents, 24);

_Static_assert(sizeof(struct hv_notify_long_spin_wait) == 8, "hv_notify_long_spin_wait size");
HV_TLFS_OFFSET(struct hv_notify_long_spin_wait, spin_count, 0);

_Static_assert(sizeof(struct hv_reference_tsc_page) == 24, "hv_reference_tsc_page size");
HV_TLFS_OFFSET(struct hv_reference_tsc_page, tsc_sequence, 0);
HV_TLFS_OFFSET(struct hv_reference_tsc_page, reserved1, 4);
HV_TLFS_OFFSET(struct hv_reference_tsc_page, tsc_scale, 8);
HV_TLFS_OFFSET(struct hv_reference_tsc_page, tsc_offset, 16);

_Static_assert(sizeof(struct hv_vp_assist_page) == 624, "hv_vp_assist_page size");
HV_TLFS_OFFSET(struct hv_vp_assist_page, apic_assist, 0);
HV_TLFS_OFFSET(struct hv_vp_assist_page, reserved1, 4);
HV_TLFS_OFFSET(struct hv_vp_assist_page, vtl_entry_reason, 8);
HV_TLFS_OFFSET(struct hv_vp_assist_page, vtl_reserved, 12);
HV_TLFS_OFFSET(struct hv_vp_assist_page, vtl_ret_x64rax, 16);
HV_TLFS_OFFSET(struct hv_vp_assist_page, vtl_ret_x64rcx, 24);
HV_TLFS_OFFSET(struct hv_vp_assist_page, nested_control, 32);
HV_TLFS_OFFSET(struct hv_vp_assist_page, enlighten_vmentry, 40);
HV_TLFS_OFFSET(struct hv_vp_assist_page, reserved2, 41);
HV_TLFS_OFFSET(struct hv_vp_assist_page, current_nested_vmcs, 48);
HV_TLFS_OFFSET(struct hv_vp_assist_page, synthetic_time_unhalted_timer_expired, 56);
HV_TLFS_OFFSET(struct hv_vp_assist_page, reserved3, 57);
HV_TLFS_OFFSET(struct hv_vp_assist_page, virtualization_fault_information, 64);
HV_TLFS_OFFSET(struct hv_vp_assist_page, reserved4, 104);
HV_TLFS_OFFSET(struct hv_vp_assist_page, intercept_message, 112);
HV_TLFS_OFFSET(struct hv_vp_assist_page, vtl_ret_actions, 368);

_Static_assert(sizeof(struct hv_message_header) == 16, "hv_message_header size");
HV_TLFS_OFFSET(struct hv_message_header, message_type, 0);
HV_TLFS_OFFSET(struct hv_message_header, payload_size, 4);
HV_TLFS_OFFSET(struct hv_message_header, message_flags, 5);
HV_TLFS_OFFSET(struct hv_message_header, reserved, 6);
HV_TLFS_OFFSET(struct hv_message_header, sender, 8);
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "hv_message size");
HV_TLFS_OFFSET(struct hv_message, payload, 16);
_Static_assert(sizeof(struct hv_message_page) == HV_PAGE_SIZE, "hv_message_page size");
_Static_assert(sizeof(struct hv_synic_event_flags) == 256, "hv_synic_event_flags size");
_Static_assert(sizeof(struct hv_synic_event_flags_page) == HV_PAGE_SIZE,
	       "hv_synic_event_flags_page size");
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "hv_timer_message_payload size");
HV_TLFS_OFFSET(struct hv_timer_message_payload, timer_index, 0);
HV_TLFS_OFFSET(struct hv_timer_message_payload, reserved, 4);
HV_TLFS_OFFSET(struct hv_timer_message_payload, expiration_time, 8);
HV_TLFS_OFFSET(struct hv_timer_message_payload, delivery_time, 16);
_Static_assert(sizeof(struct hv_input_post_message) == 256, "hv_input_post_message size");
HV_TLFS_OFFSET(struct hv_input_post_message, connection_id, 0);
HV_TLFS_OFFSET(struct hv_input_post_message, reserved, 4);
HV_TLFS_OFFSET(struct hv_input_post_message, message_type, 8);
HV_TLFS_OFFSET(struct hv_input_post_message, payload_size, 12);
HV_TLFS_OFFSET(struct hv_input_post_message, payload, 16);
_Static_assert((HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_LAZY | HV_STIMER_AUTOENABLE |
		HV_STIMER_APIC_VECTOR_MASK | HV_STIMER_DIRECT_MODE | HV_STIMER_SINT_MASK) ==
		   0xFFFFFull - 0xE000ull,
	       "STIMER config fields");

/* The control-word fields must tile bits 63:0 exactly once. */
_Static_assert((HV_HYPERCALL_CODE_MASK ^ HV_HYPERCALL_FAST_BIT ^ HV_HYPERCALL_VARHEAD_MASK ^
		HV_HYPERCALL_REP_COMP_MASK ^ HV_HYPERCALL_REP_START_MASK ^
		HV_HYPERCALL_RSVD_MASK) == ~0ull,
	       "hypercall input value fields");
_Static_assert((HV_HYPERCALL_CODE_MASK | HV_HYPERCALL_FAST_BIT | HV_HYPERCALL_VARHEAD_MASK |
		HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK |
		HV_HYPERCALL_RSVD_MASK) == ~0ull,
	       "hypercall input value fields");

#endif
