# Guest runtime, test-support library and test guests (included by the top-level Makefile).
#
# guest/lib is the runtime a guest author links (libguest.a); guest/testlib is what only
# hvemu's own test guests use (libguesttest.a: the test-device driver, job loops, stress
# and benchmark code, fault knobs). Runtime code is compiled without guest/testlib on its
# include path, so it cannot come to depend on it.
#
# Every guest/tests/<name>.c becomes $(GUEST_OUT)/<name>.elf: linked at 1 MiB with
# guest/guest.ld and converted to an ELF32 Multiboot image (objcopy -O elf32-i386), which
# hvemu and QEMU's -kernel load. elf64.c is the exception: it stays an ELF64 image entered
# through hvemu's ELF64 direct-entry protocol. The unconverted, unstripped ELF64 link of
# each guest is kept as $(GUEST_OUT)/obj/<name>.debug.elf for addr2line/gdb.

GUEST_CC ?= gcc
GUEST_OBJCOPY ?= objcopy
GUEST_CFLAGS := -std=gnu11 -m64 -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -fno-omit-frame-pointer -fno-common \
	-O2 -g -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wundef -Wwrite-strings \
	-Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition -Wpointer-arith \
	-Wnull-dereference -Wimplicit-fallthrough -MMD -MP -Iinclude -Ilib -Iguest/lib
# Test guests and the test library also reach "testlib/...".
GUEST_TEST_CFLAGS := $(GUEST_CFLAGS) -Iguest
GUEST_ASFLAGS := -m64 -g -MMD -MP -Iinclude -Iguest/lib
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T guest/guest.ld

GUEST_LIB_C := $(sort $(wildcard guest/lib/*.c guest/lib/x86/*.c))
GUEST_LIB_S := $(sort $(wildcard guest/lib/x86/*.S))
# The boot code is linked as an object (it holds the entry points); everything else comes
# from libguest.a, so a guest links only the runtime parts it uses.
GUEST_BOOT_OBJ := $(GUEST_OUT)/obj/lib/x86/boot.o
GUEST_LIB_OBJS := $(filter-out $(GUEST_BOOT_OBJ),$(GUEST_LIB_C:guest/lib/%.c=$(GUEST_OUT)/obj/lib/%.o) \
	$(GUEST_LIB_S:guest/lib/%.S=$(GUEST_OUT)/obj/lib/%.o))
# The freestanding cpuhp state machine (lib/cpuhp) is shared with the VMM: the guest
# runtime's CPU online/offline (guest/lib/x86/cpu_hotplug.c) is built on it.
GUEST_CPUHP_C := $(sort $(wildcard lib/cpuhp/*.c))
GUEST_LIB_OBJS += $(GUEST_CPUHP_C:lib/cpuhp/%.c=$(GUEST_OUT)/obj/cpuhp/%.o)
GUEST_TESTLIB_C := $(sort $(wildcard guest/testlib/*.c))
GUEST_TESTLIB_OBJS := $(GUEST_TESTLIB_C:guest/testlib/%.c=$(GUEST_OUT)/obj/testlib/%.o)
GUEST_TESTS := $(sort $(basename $(notdir $(wildcard guest/tests/*.c))))
GUEST_ELFS := $(GUEST_TESTS:%=$(GUEST_OUT)/%.elf)
# Guests kept as ELF64 (hvemu's direct entry); all others become ELF32 Multiboot images.
GUEST_ELF64 := elf64

$(GUEST_OUT)/obj/lib/%.o: guest/lib/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/cpuhp/%.o: lib/cpuhp/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/lib/%.o: guest/lib/%.S
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GAS     $<")
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/testlib/%.o: guest/testlib/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(GUEST_CC) $(GUEST_TEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/tests/%.o: guest/tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(GUEST_CC) $(GUEST_TEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/libguest.a: $(GUEST_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(GUEST_OUT)/obj/libguesttest.a: $(GUEST_TESTLIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# The test library comes first: it uses the runtime, never the other way round.
$(GUEST_OUT)/obj/%.debug.elf: $(GUEST_OUT)/obj/tests/%.o $(GUEST_BOOT_OBJ) $(GUEST_OUT)/obj/libguesttest.a \
		$(GUEST_OUT)/obj/libguest.a guest/guest.ld
	@$(if $(Q),echo "  GLD     $@")
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) $(if $(filter $*,$(GUEST_ELF64)),-Wl$(guest_comma)-e$(guest_comma)elf64_entry) \
		-o $@ $(GUEST_BOOT_OBJ) $< $(GUEST_OUT)/obj/libguesttest.a $(GUEST_OUT)/obj/libguest.a

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj/%.debug.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(if $(filter $*,$(GUEST_ELF64)),$(GUEST_OBJCOPY) --strip-debug $< $@,$(GUEST_OBJCOPY) -O elf32-i386 --strip-debug $< $@)

.PRECIOUS: $(GUEST_OUT)/obj/%.debug.elf $(GUEST_OUT)/obj/tests/%.o

guest_comma := ,

-include $(GUEST_LIB_OBJS:.o=.d) $(GUEST_BOOT_OBJ:.o=.d) $(GUEST_TESTLIB_OBJS:.o=.d) \
	$(GUEST_TESTS:%=$(GUEST_OUT)/obj/tests/%.d)
