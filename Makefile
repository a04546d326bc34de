# hvemu — a KVM VMM that emulates Hyper-V enlightenments in user space.
#
#   make            build/hvemu and the guest images (build/guest/*.elf)
#   make run        boot the bundled demo guest with 4 vCPUs
#   make check      install missing build dependencies, build everything (plain, ASan+UBSan,
#                   TSan, fuzzers) and run every test; last line "N passed, N failed, N skipped"
#   make linux-check   only the Linux guest test (Debian's kernel, PVH and bzImage)
#   make bench      print the benchmark figures ("bench <name>: <value> <unit>")
#   make fuzz       every fuzz target to FUZZ_RUNS executions (FUZZ_MERGE=1: grow corpora)
#   make soak       everything at once for SOAK_SECONDS (default 1800), seccomp on
#   make lint       cppcheck, clang-tidy (VMM, tests, guest) and clang-format on every C file
#   make deps       install missing packages (a no-op, without network, when all are there)
#   make format / format-check: clang-format
#   make SAN=asan|tsan ...   sanitizer build in build/asan or build/tsan
#   V=1             show the commands
#
# Sources are found by wildcard: every .c under src/ and lib/ (but src/main/) goes into
# libhvemu.a; tests/unit/test_*.c are unit-test programs, the other tests/unit/*.c are
# support code linked into each of them; tests/fuzz/fuzz_*.c are libFuzzer targets.

V ?= 0
Q := $(if $(filter 1,$(V)),,@)
SAN ?=

ifeq ($(SAN),asan)
B := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else ifeq ($(SAN),tsan)
B := build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else ifeq ($(SAN),)
B := build
SANFLAGS :=
else
$(error SAN must be asan, tsan or empty)
endif

CC := gcc
WARN := -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wundef -Wwrite-strings \
	-Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition -Wpointer-arith \
	-Wnull-dereference -Wimplicit-fallthrough
CPPFLAGS := -D_GNU_SOURCE -Isrc -Iinclude -Ilib
# NO_EXIT_TIMING=1: hvemu without the exit-timing hooks, in build/noet: the reference make
# bench measures their cost against when they are off (kvm/exit_timing.h).
ifeq ($(NO_EXIT_TIMING),1)
ifneq ($(SAN),)
$(error NO_EXIT_TIMING is for the plain build only)
endif
B := build/noet
CPPFLAGS += -DHVEMU_NO_EXIT_TIMING
endif
CFLAGS := -std=gnu11 -O2 -g $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS := $(SANFLAGS)
LDLIBS := -ljansson -lseccomp -lpthread

LIB_SRCS := $(sort $(shell find src lib -name '*.c' -not -path 'src/main/*' 2>/dev/null))
MAIN_SRCS := $(sort $(wildcard src/main/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_SUPPORT_SRCS := $(filter-out $(TEST_SRCS),$(sort $(wildcard tests/unit/*.c)))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
MAIN_OBJS := $(MAIN_SRCS:%.c=$(B)/obj/%.o)
TEST_SUPPORT_OBJS := $(TEST_SUPPORT_SRCS:%.c=$(B)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all tests check run bench lint format format-check fuzz fuzz-build deps clean soak stress \
	linux-check
.DEFAULT_GOAL := all

all: $(B)/hvemu guest

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/libhvemu.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/hvemu: $(MAIN_OBJS) $(B)/libhvemu.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJS) $(B)/libhvemu.a $(LDLIBS)

tests: $(TEST_BINS)

# make bench's programs built on hvemu's library (bench/timer_scale.c).
BENCH_BINS := $(B)/bench/timer_scale

$(B)/bench/timer_scale: $(B)/obj/bench/timer_scale.o $(B)/libhvemu.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(B)/libhvemu.a $(LDLIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(B)/libhvemu.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJS) $(B)/libhvemu.a $(LDLIBS)

# --- guest images (freestanding runtime and test guests) -------------------------------
GUEST_OUT := build/guest
-include guest/guest.mk
guest: $(GUEST_ELFS)

# --- fuzzing (clang libFuzzer + ASan + UBSan) -------------------------------------------
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wno-unused-command-line-argument \
	-MMD -MP
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Every target to FUZZ_RUNS executions (default: the short run of `make check`), one after
# the other; FUZZ_MERGE=1 also minimizes the in-tree corpora (scripts/fuzz-run.sh).
fuzz: fuzz-build
	$(Q)fail=0; for t in $(FUZZ_BINS); do out=$$(scripts/fuzz-run.sh $$t); \
		printf '%s\n' "$$out" | grep -v '^1\.\.'; \
		case "$$out" in *"not ok"*) fail=1 ;; esac; done; [ $$fail = 0 ]

# --- top-level jobs ----------------------------------------------------------------------
deps:
	$(Q)scripts/deps.sh

# The builds run in parallel (one job per CPU) unless make was given -j itself.
JOBS := $(if $(findstring -j,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))

check: deps
	$(Q)$(MAKE) --no-print-directory $(JOBS) all tests
	$(Q)$(MAKE) --no-print-directory $(JOBS) SAN=asan build/asan/hvemu tests
	$(Q)$(MAKE) --no-print-directory $(JOBS) SAN=tsan tests
	$(Q)$(MAKE) --no-print-directory $(JOBS) fuzz-build
	$(Q)scripts/run-tests.sh

# Linux as the guest alone (tests/e2e/90_linux.sh, also part of check): minutes, because
# this KVM emulates every instruction Linux runs at CPL0.
linux-check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-tests.sh --only '^e2e/90_linux$$'

run: deps
	$(Q)$(MAKE) --no-print-directory all
	build/hvemu run --cpus boot=4 --hv all --kernel build/guest/demo.elf

# The bench's own programs: KVM_RUN loops without hvemu (bench/kvm_floor*.c, the floors
# the bench compares hvemu with; bench/floor.c is their shared VM set-up) and the build
# without exit timing.
BENCH_FLOORS := build/bench/kvm_floor build/bench/kvm_floor_ipi build/bench/kvm_floor_boot
$(BENCH_FLOORS): build/bench/%: bench/%.c bench/floor.c bench/floor.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -o $@ $< bench/floor.c -lpthread

bench: deps
	$(Q)scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_FLOORS) $(BENCH_BINS)
	$(Q)$(MAKE) --no-print-directory NO_EXIT_TIMING=1 build/noet/hvemu
	$(Q)bench/run.sh

# Everything at once for SOAK_SECONDS (default 1800), seccomp on; not part of check
# (scripts/soak.sh says what it runs and what makes it fail).
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)SOAK_SECONDS=$${SOAK_SECONDS:-1800} scripts/soak.sh

stress: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)STRESS_SECONDS=$${STRESS_SECONDS:-300} scripts/run-tests.sh --only 'e2e/(50_flush|60_suspend|70_hotplug)$$'

lint: deps
	$(Q)scripts/lint.sh

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJS:.o=.d) $(TEST_SUPPORT_OBJS:.o=.d) \
	$(TEST_SRCS:tests/unit/%.c=$(B)/obj/tests/unit/%.d) $(FUZZ_LIB_OBJS:.o=.d)
.SECONDARY:
