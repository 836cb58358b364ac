# steplocal - hand-written Makefile.  `make` builds ./steplocal (installing
# missing Debian packages first), `make test` runs every test, `make bench`
# runs the benchmark workloads, `make test-asan` runs the tests under
# AddressSanitizer + UndefinedBehaviorSanitizer.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wundef -Wwrite-strings -Wvla \
           -Wno-unused-parameter
CPPFLAGS += -std=c11 -D_GNU_SOURCE -Iorchestrator -Iruntime -MMD -MP
LDLIBS  := -lyaml -lzip -lcjson -lcrypto -levent -lm

B ?= build
BIN ?= steplocal

# Debian packages the build and the tests need.
DEB_PKGS := libcjson-dev libyaml-dev libzip-dev libcurl4-openssl-dev \
            libevent-dev libssl-dev libcmocka-dev pkg-config clang libclang-rt-14-dev

ORCH_SRCS := \
	orchestrator/xalloc.c \
	orchestrator/aslerr.c \
	orchestrator/json.c \
	orchestrator/diag.c \
	orchestrator/jpath.c \
	orchestrator/intrinsic.c \
	orchestrator/choice.c \
	orchestrator/tpl.c \
	orchestrator/asl.c \
	orchestrator/history.c \
	orchestrator/exec.c \
	orchestrator/mock.c \
	orchestrator/activity.c \
	orchestrator/teststate.c \
	orchestrator/evloop.c \
	orchestrator/lambda_task.c \
	orchestrator/fsutil.c \
	orchestrator/errs.c \
	orchestrator/project.c \
	orchestrator/sam.c \
	orchestrator/watch.c \
	orchestrator/workspace.c \
	orchestrator/api_sfn.c \
	orchestrator/api_lambda.c \
	orchestrator/serve.c \
	orchestrator/export.c \
	orchestrator/cli.c

# The Lambda side, compiled into the same library.
RT_SRCS := \
	runtime/pkg.c \
	runtime/rapi.c \
	runtime/interp.c \
	runtime/env.c \
	runtime/lambda.c

MAIN_SRC := orchestrator/main.c

UNIT_TESTS := \
	tests/unit/test_json \
	tests/unit/test_jpath \
	tests/unit/test_intrinsic \
	tests/unit/test_choice \
	tests/unit/test_cases \
	tests/unit/test_project \
	tests/unit/test_sam \
	tests/unit/test_pkg \
	tests/unit/test_interp \
	tests/unit/test_lambda

ORCH_OBJS := $(ORCH_SRCS:%.c=$(B)/%.o)
RT_OBJS := $(RT_SRCS:%.c=$(B)/%.o)
LIB := $(B)/liborch.a

# Example functions written in C: each main.c becomes its package's
# bootstrap, linked with the C runtime client (runtime/client).
C_FUNCTIONS := functions/fulfill_order functions/update_inventory
# The provided.al2023 stock trader of tests/sam, in C.
STOCK_C := tests/sam/stock-provided/functions
STOCK_FUNCTIONS := $(STOCK_C)/stock-checker $(STOCK_C)/stock-buyer $(STOCK_C)/stock-seller
CLIENT_SRC := runtime/client/lambda_client.c

.PHONY: all deps test test-unit test-cli test-runtime test-serve test-export bench test-asan demo clean functions

all: $(B)/.deps $(BIN) functions

functions: $(C_FUNCTIONS:%=%/bootstrap) $(STOCK_FUNCTIONS:%=%/bootstrap)

functions/%/bootstrap: functions/%/main.c $(CLIENT_SRC) runtime/client/steplocal_lambda.h | $(B)/.deps
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -Iruntime/client -o $@ $< $(CLIENT_SRC) -lcurl -lcjson

$(STOCK_FUNCTIONS:%=%/bootstrap): %/bootstrap: %/main.c $(STOCK_C)/trade.h $(CLIENT_SRC) runtime/client/steplocal_lambda.h | $(B)/.deps
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -Iruntime/client -o $@ $< $(CLIENT_SRC) -lcurl -lcjson

# `make deps` installs what is missing; `make` runs it once per build folder.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "steplocal needs these Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(B)/.deps:
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(B) && touch $@

$(B)/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(LIB): $(ORCH_OBJS) $(RT_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(B)/$(MAIN_SRC:.c=.o) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/unit/%: tests/unit/%.c $(LIB) | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# Every test, then every test again under the sanitizers, then the fuzz
# targets over their corpora (fuzz/fuzz.mk).
test: test-unit test-cli test-runtime test-serve test-export test-hostile
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz-smoke

test-unit: $(UNIT_TESTS:%=$(B)/%)
	@fail=0; for t in $(UNIT_TESTS:%=$(B)/%); do \
	  echo "== $$t"; SL_CASES=tests/cases $$t || fail=1; done; \
	exit $$fail

test-cli: $(BIN) functions
	@tests/cli/run.sh ./$(BIN)
	@SL_E2E_SECRET=must-not-leak tests/cli/lambda.sh ./$(BIN)

# steplocal export: cfn-lint on the exported templates, the same runs both ways.
test-export: $(BIN) functions
	@tests/export/test_export.sh ./$(BIN)

# steplocal serve through the real boto3 and aws CLI.
test-serve: $(BIN) functions
	@python3 tests/serve/test_serve.py ./$(BIN)

# The bootstraps (python, node) and the C client against a fake Runtime API.
test-runtime:
	@python3 tests/runtime/test_bootstraps.py

# Hostile and broken functions, hostile input (tests/hostile); their C
# function speaks the Runtime API itself, with libcurl.
HOSTILE_FN := $(B)/tests/hostile/bootstrap
LOAD_FN := $(B)/tests/load/echo/bootstrap
.PHONY: test-hostile test-load soak

test-hostile: $(BIN) $(HOSTILE_FN)
	@python3 tests/hostile/test_functions.py ./$(BIN) $(HOSTILE_FN)
	@python3 tests/hostile/test_input.py ./$(BIN)

$(HOSTILE_FN): tests/hostile/hostile.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -o $@ $< -lcurl -lcjson

# Not part of `make test`: 1,000 executions at once through the API, and a
# soak of SOAK_SECONDS (default 600) under steady load (tests/load).
test-load: $(BIN) $(LOAD_FN)
	@python3 tests/load/load.py ./$(BIN) $(LOAD_FN)

soak: $(BIN) $(LOAD_FN)
	@python3 tests/load/load.py --soak ./$(BIN) $(LOAD_FN)

$(LOAD_FN): runtime/client/example/echo.c $(CLIENT_SRC) runtime/client/steplocal_lambda.h | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -Iruntime/client -o $@ $< $(CLIENT_SRC) -lcurl -lcjson

bench: $(BIN)
	@bench/run.sh ./$(BIN)

# Everything rebuilt in build-asan/ with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer, then the same tests; any report fails them.
test-asan:
	@echo "== sanitizers (clang, build-asan/)"
	@$(MAKE) --no-print-directory B=build-asan BIN=build-asan/steplocal CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" test-unit test-cli test-serve

demo: $(BIN) functions
	./$(BIN) run OrderWorkflow -f templates/order --input-file templates/order/input.json

clean:
	rm -rf build build-asan steplocal $(C_FUNCTIONS:%=%/bootstrap) $(STOCK_FUNCTIONS:%=%/bootstrap)

-include $(ORCH_OBJS:.o=.d) $(RT_OBJS:.o=.d) $(B)/$(MAIN_SRC:.c=.d) $(UNIT_TESTS:%=$(B)/%.d)

# ---- bench tools (bench/) -----------------------------------------------
# The C helpers of `make bench`, built into $(B)/bench/: the floors (a
# trivial program for fork+exec, an evhttp + libcurl round trip), the
# Lambda service driver (warm and cold invocations, linked with $(LIB)) and
# the echo package (runtime/client's example as a provided.al2023 bootstrap).
# Nothing here is a test: the figures are printed by bench/bench.py.
BENCH_B := $(B)/bench
BENCH_TOOLS := $(BENCH_B)/true $(BENCH_B)/true_curl $(BENCH_B)/floors $(BENCH_B)/lambda_bench $(BENCH_B)/echo/bootstrap
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN)

.PHONY: bench-tools
bench-tools: $(BENCH_TOOLS)
bench: bench-tools

$(BENCH_B)/true: bench/true.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

# The same program, linked with libcurl as every C bootstrap is: the floor
# of a C function's cold start (loading libcurl's ~30 libraries).
$(BENCH_B)/true_curl: bench/true.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -Wl,--no-as-needed -lcurl

$(BENCH_B)/floors: bench/floors.c bench/bstats.h | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -levent -lcurl

$(BENCH_B)/lambda_bench: bench/lambda_bench.c bench/bstats.h $(LIB) | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -Iorchestrator -Iruntime $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BENCH_B)/echo/bootstrap: runtime/client/example/echo.c $(CLIENT_SRC) runtime/client/steplocal_lambda.h | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -Iruntime/client -o $@ $< $(CLIENT_SRC) -lcurl -lcjson
# ---- end of bench tools -------------------------------------------------

include fuzz/fuzz.mk
