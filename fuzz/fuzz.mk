# fuzz/fuzz.mk - libFuzzer targets (fuzz/README.md), included by the Makefile.
#
#   make fuzz        builds every target into build-fuzz/ and runs each for
#                    FUZZ_SECONDS (default 300), two at a time, from its
#                    committed corpus; new inputs go to build-fuzz/corpus/NAME,
#                    crashes to build-fuzz/artifacts/;
#   make fuzz-smoke  builds them and replays each committed corpus, then
#                    fuzzes FUZZ_SMOKE_SECONDS (default 5) per target; any
#                    crash, leak or timeout fails it (part of `make test`);
#   make fuzz-NAME   runs one target for FUZZ_SECONDS;
#   make fuzz-corpus rebuilds the committed corpora (fuzz/corpus/NAME): the
#                    regression inputs, the seeds of fuzz/seeds.py and what
#                    `make fuzz` found, of at most FUZZ_CORPUS_MAX_BYTES
#                    (1024; 3072 for sam and api) each, that reach new code;
#   make fuzz-coverage  line coverage of each target's modules over its
#                    committed corpus and what `make fuzz` found (llvm-cov,
#                    from a build with clang's source-based coverage).
# FUZZ_TARGETS=... picks targets; FUZZ_JOBS (default 2) runs that many at once.
#
# The objects are compiled again with clang, -fsanitize=fuzzer-no-link and
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with
# AddressSanitizer); the targets are linked with -fsanitize=fuzzer.

FUZZ_B        := build-fuzz
FUZZ_CC       := clang
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LDFLAGS  := -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_CPPFLAGS := $(CPPFLAGS) -Ifuzz
FUZZ_TARGETS  ?= jpath intrinsic asl exec project sam api rapi pkg json mock export
FUZZ_SECONDS  ?= 300
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_JOBS     ?= 2
FUZZ_CORPUS_MAX_BYTES ?= 1024
# Templates and request sequences are longer.
FUZZ_CORPUS_MAX_sam := 3072
FUZZ_CORPUS_MAX_api := 3072

# What each target links besides its own file, fuzz_util.c and the library.
FUZZ_EXTRA_project := fixtures
FUZZ_EXTRA_sam     := fixtures
FUZZ_EXTRA_rapi    := fake_http
FUZZ_EXTRA_api     := fake_http fake_server fixtures
FUZZ_EXTRA_export  := fixtures
# The API target's functions answer without processes (fake_server.h).
FUZZ_WRAP_api      := -Wl,--wrap=lam_invoke -Wl,--wrap=lam_cancel

FUZZ_LIB_OBJS := $(ORCH_SRCS:%.c=$(FUZZ_B)/%.o) $(RT_SRCS:%.c=$(FUZZ_B)/%.o)
FUZZ_LIB      := $(FUZZ_B)/liborch.a
FUZZ_ALL      := jpath intrinsic asl exec project sam api rapi pkg json mock export
FUZZ_BINS     := $(FUZZ_ALL:%=$(FUZZ_B)/fuzz_%)
FUZZ_OBJS     := $(patsubst %,$(FUZZ_B)/fuzz/%.o,fuzz_util fixtures fake_http fake_server $(FUZZ_ALL:%=fuzz_%))

# Kept, so that a second build relinks nothing.
.SECONDARY: $(FUZZ_OBJS)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-corpus $(FUZZ_ALL:%=fuzz-%)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%) $(FUZZ_B)/.gitignore

# Nothing under build-fuzz/ is to be committed.
$(FUZZ_B)/.gitignore:
	@mkdir -p $(FUZZ_B) && echo '*' >$@

fuzz: fuzz-build
	@fuzz/run.sh long $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@fuzz/run.sh smoke $(FUZZ_B) $(FUZZ_SMOKE_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-corpus: fuzz-build
	@rm -rf $(FUZZ_B)/seeds && python3 fuzz/seeds.py $(FUZZ_B)/seeds >/dev/null
	@$(foreach t,$(FUZZ_TARGETS),fuzz/run.sh corpus $(FUZZ_B) \
	  $(or $(FUZZ_CORPUS_MAX_$(t)),$(FUZZ_CORPUS_MAX_BYTES)) 1 $(t) | grep -v "^fuzz corpus" &&) true

$(FUZZ_ALL:%=fuzz-%): fuzz-%: $(FUZZ_B)/fuzz_%
	@fuzz/run.sh long $(FUZZ_B) $(FUZZ_SECONDS) 1 $*

$(FUZZ_B)/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

fuzz_extra = $(patsubst %,$(FUZZ_B)/fuzz/%.o,$(FUZZ_EXTRA_$(1)))

.SECONDEXPANSION:
$(FUZZ_B)/fuzz_%: $(FUZZ_B)/fuzz/fuzz_%.o $(FUZZ_B)/fuzz/fuzz_util.o \
		$$(call fuzz_extra,$$*) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $(FUZZ_WRAP_$*) -o $@ $^ $(LDLIBS)

-include $(FUZZ_LIB_OBJS:.o=.d) $(wildcard $(FUZZ_B)/fuzz/*.d)

# ---- coverage: the same targets, built for llvm-cov, replaying the corpora.
FUZZ_COV_B      := $(FUZZ_B)/cov
FUZZ_COV_CFLAGS := -O0 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link
FUZZ_COV_LIB    := $(FUZZ_COV_B)/liborch.a

# The modules each target is about (what fuzz-coverage reports).
FUZZ_FILES_jpath     := orchestrator/jpath.c
FUZZ_FILES_intrinsic := orchestrator/intrinsic.c orchestrator/tpl.c
FUZZ_FILES_asl       := orchestrator/asl.c orchestrator/choice.c
FUZZ_FILES_exec      := orchestrator/exec.c orchestrator/choice.c orchestrator/tpl.c
FUZZ_FILES_project   := orchestrator/project.c
FUZZ_FILES_sam       := orchestrator/sam.c
FUZZ_FILES_api       := orchestrator/api_sfn.c orchestrator/api_lambda.c orchestrator/lambda_task.c orchestrator/exec.c
FUZZ_FILES_rapi      := runtime/rapi.c
FUZZ_FILES_pkg       := runtime/pkg.c
FUZZ_FILES_json      := orchestrator/json.c
FUZZ_FILES_mock      := orchestrator/mock.c
FUZZ_FILES_export    := orchestrator/export.c orchestrator/sam.c

.PHONY: fuzz-coverage $(FUZZ_ALL:%=fuzz-coverage-%)
fuzz-coverage: $(FUZZ_TARGETS:%=fuzz-coverage-%)

$(FUZZ_ALL:%=fuzz-coverage-%): fuzz-coverage-%: $(FUZZ_COV_B)/fuzz_%
	@rm -f $(FUZZ_COV_B)/$*.profraw
	@LLVM_PROFILE_FILE=$(FUZZ_COV_B)/$*.profraw $(FUZZ_COV_B)/fuzz_$* -runs=0 fuzz/corpus/$* \
	  $(wildcard $(FUZZ_B)/corpus/$*) >$(FUZZ_COV_B)/$*.log 2>&1
	@llvm-profdata merge -o $(FUZZ_COV_B)/$*.profdata $(FUZZ_COV_B)/$*.profraw
	@echo "== fuzz_$* (functions, lines, branches covered)"
	@llvm-cov report $(FUZZ_COV_B)/fuzz_$* -instr-profile=$(FUZZ_COV_B)/$*.profdata $(FUZZ_FILES_$*) | \
	  awk '$$1 ~ /\.c$$|^TOTAL$$/ { sub(".*/", "", $$1); printf "  %-28s %8s %8s %8s\n", $$1, $$7, $$10, $$13 }'

$(FUZZ_COV_B)/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_COV_CFLAGS) -c $< -o $@

$(FUZZ_COV_LIB): $(FUZZ_LIB_OBJS:$(FUZZ_B)/%=$(FUZZ_COV_B)/%)
	@rm -f $@
	ar rcs $@ $^

fuzz_cov_extra = $(patsubst %,$(FUZZ_COV_B)/fuzz/%.o,$(FUZZ_EXTRA_$(1)))

$(FUZZ_COV_B)/fuzz_%: $(FUZZ_COV_B)/fuzz/fuzz_%.o $(FUZZ_COV_B)/fuzz/fuzz_util.o \
		$$(call fuzz_cov_extra,$$*) $(FUZZ_COV_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer -fprofile-instr-generate $(FUZZ_WRAP_$*) -o $@ $^ $(LDLIBS)

.SECONDARY: $(FUZZ_OBJS:$(FUZZ_B)/%=$(FUZZ_COV_B)/%)

-include $(wildcard $(FUZZ_COV_B)/orchestrator/*.d $(FUZZ_COV_B)/runtime/*.d $(FUZZ_COV_B)/fuzz/*.d)

.PHONY: fuzz-clean
clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_B)
