# evpipe: a thin layer over the `evpipe` binary. Every target of the original
# pipeline, same variables, same defaults. `make help` lists them.

KAFKA_BOOTSTRAP  ?= localhost:9092
TOPIC            ?= events
PARTITIONS       ?= 3
REPLICATION      ?= 1
N_ORDERS         ?= 5000
KAFKA_KEY_FIELD  ?= order_id
RAW_DIR          ?= ./data/raw
PARQUET_DIR      ?= ./data/parquet
CONSUMER_GROUP   ?= raw-sink
ROLL_MAX_MB      ?= 64
ROLL_MAX_SECONDS ?= 60
SINK_VALIDATE    ?= route
ROWS_PER_FILE    ?= 250000
DATE             ?=
SEED             ?= 42
GEN_DIR          ?= ./data/gen
EXIT_AT_END      ?= 0
BROKER           ?= auto
CONSOLE_PORT     ?= 8080

BUILD_DIR   ?= build/release
FUZZ_SECONDS ?= 3600
EVPIPE      := $(BUILD_DIR)/evpipe
EVPIPE_WERROR ?= OFF
CTEST_ARGS  ?=

KAFKA   := --bootstrap $(KAFKA_BOOTSTRAP)
# raw-to-parquet reads RAW_DIR; when RAW_DIR holds nothing for TOPIC but GEN_DIR
# does (`make gen` with no broker), it reads GEN_DIR instead and says so.
RAW_INPUT = $(if $(wildcard $(RAW_DIR)/$(TOPIC)),$(RAW_DIR),$(if $(wildcard $(GEN_DIR)/$(TOPIC)),$(GEN_DIR),$(RAW_DIR)))
RAW_NOTE  = $(if $(filter-out $(RAW_DIR),$(RAW_INPUT)),@echo "raw-to-parquet: $(RAW_DIR)/$(TOPIC) is empty; reading make gen output in $(GEN_DIR)",@true)
# --flag $(VAR) only when VAR was set on the command line or in the environment.
SET_FLAG = $(if $(filter-out file undefined,$(origin $(1))),$(2) $($(1)))
EXIT_FLAG := $(if $(filter 1 true yes on,$(EXIT_AT_END)),--exit-at-end,)

.DEFAULT_GOAL := help
.PHONY: help deps venv reqs build build-asan test test-asan test-tsan fuzz bench soak demo clean \
        up down restart logs ps health topic topics describe-topic groups group-describe gen \
        produce produce-small produce-big consume consume-latest sink-raw \
        raw-to-parquet raw-to-parquet-all reconcile query console distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 22

# ---- set-up ---------------------------------------------------------------
deps: ## install Debian, npm and Python (.venv) packages the project needs (idempotent)
	@scripts/deps.sh >&2
	@scripts/venv.sh >&2
venv reqs: ## the project's Python environment .venv from requirements.txt (pinned; idempotent)
	@scripts/venv.sh >&2

# The build prints to stderr only, and nothing when there is no work (scripts/build.sh);
# ninja's progress shows when `build` itself is the goal.
BUILD_MODE = $(if $(filter build build-asan,$(MAKECMDGOALS)),verbose,quiet)
build: deps ## build the release binary and tests
	@EVPIPE_WERROR=$(EVPIPE_WERROR) scripts/build.sh $(BUILD_DIR) release $(BUILD_MODE)

build-asan: deps ## build with ASan+UBSan into build/asan
	@EVPIPE_WERROR=$(EVPIPE_WERROR) scripts/build.sh build/asan asan $(BUILD_MODE)

test: build ## build and run every test
	@ctest --test-dir $(BUILD_DIR) --output-on-failure $(CTEST_ARGS)

test-asan: deps ## unit tests and the broker's integration tests under ASan+UBSan (build/asan)
	@EVPIPE_WERROR=$(EVPIPE_WERROR) scripts/sanitize.sh asan
test-tsan: deps ## the threaded parts' tests under TSan (build/tsan)
	@EVPIPE_WERROR=$(EVPIPE_WERROR) scripts/sanitize.sh tsan
fuzz: deps ## every libFuzzer target for FUZZ_SECONDS each (default 3600; CI: 60)
	@EVPIPE_WERROR=$(EVPIPE_WERROR) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

bench: build ## the benchmark suite, side by side with baselines
	@/usr/bin/python3 bench/run.py --evpipe $(EVPIPE) --build-dir $(BUILD_DIR)

clean: ## remove build output (data/ stays; see distclean)
	rm -rf build
distclean: clean ## remove build output and data/ (broker segments, raw, Parquet, quarantine)
	rm -rf data

# ---- the broker -------------------------------------------------------------
up: build ## start the broker (embedded, or Redpanda where Docker answers)
	@$(EVPIPE) up --broker $(BROKER)
down: build ## stop the broker
	@$(EVPIPE) down --broker $(BROKER)
restart: build ## restart the broker
	@$(EVPIPE) restart --broker $(BROKER)
logs: build ## show the broker log
	@$(EVPIPE) logs --broker $(BROKER)
ps: build ## show whether the broker runs
	@$(EVPIPE) ps --broker $(BROKER)
health: build ## exit 0 when the broker is ready
	@$(EVPIPE) health --broker $(BROKER)

# ---- topics -------------------------------------------------------------------
topic: build ## create TOPIC with PARTITIONS and REPLICATION
	@$(EVPIPE) topic create $(KAFKA) --topic $(TOPIC) --partitions $(PARTITIONS) --replication $(REPLICATION)
topics: build ## list topics
	@$(EVPIPE) topic list $(KAFKA)
describe-topic: build ## describe TOPIC
	@$(EVPIPE) topic describe $(KAFKA) --topic $(TOPIC)

# ---- consumer groups ----------------------------------------------------------
groups: build ## list consumer groups with state and members
	@$(EVPIPE) group list $(KAFKA)
group-describe: build ## members and lag per partition of CONSUMER_GROUP
	@$(EVPIPE) group describe $(KAFKA) $(CONSUMER_GROUP)

# ---- events -------------------------------------------------------------------
gen: build ## simulate N_ORDERS orders into GEN_DIR (no broker)
	@$(EVPIPE) gen --orders $(N_ORDERS) --seed $(SEED) --topic $(TOPIC) --gen-dir $(GEN_DIR)
produce: build ## simulate and produce N_ORDERS orders
	@$(EVPIPE) produce $(KAFKA) --topic $(TOPIC) --orders $(N_ORDERS) --seed $(SEED) --key-field $(KAFKA_KEY_FIELD) \
	  --raw-dir $(RAW_DIR)
produce-small: ## produce 200 orders
	@$(MAKE) --no-print-directory produce N_ORDERS=200
produce-big: ## produce 50000 orders
	@$(MAKE) --no-print-directory produce N_ORDERS=50000
consume: build ## print records from the beginning
	@$(EVPIPE) consume $(KAFKA) --topic $(TOPIC) --from-beginning $(EXIT_FLAG)
consume-latest: build ## print only new records
	@$(EVPIPE) consume $(KAFKA) --topic $(TOPIC) $(EXIT_FLAG)

# ---- landing and compaction -------------------------------------------------------
sink-raw: build ## land the topic as raw NDJSON (EXIT_AT_END=1 stops when caught up)
	@$(EVPIPE) sink-raw $(KAFKA) --topic $(TOPIC) --group $(CONSUMER_GROUP) --raw-dir $(RAW_DIR) \
	  --roll-max-mb $(ROLL_MAX_MB) --roll-max-seconds $(ROLL_MAX_SECONDS) --validate $(SINK_VALIDATE) $(EXIT_FLAG)
raw-to-parquet: build ## convert one DATE=YYYY-MM-DD to Parquet
	@test -n "$(DATE)" || { echo "make raw-to-parquet: set DATE=YYYY-MM-DD" >&2; exit 2; }
	$(RAW_NOTE)
	@$(EVPIPE) raw-to-parquet --date $(DATE) --topic $(TOPIC) --raw-dir $(RAW_INPUT) \
	  --parquet-dir $(PARQUET_DIR) --rows-per-file $(ROWS_PER_FILE)
raw-to-parquet-all: build ## convert every date whose raw input changed
	$(RAW_NOTE)
	@$(EVPIPE) raw-to-parquet --all --topic $(TOPIC) --raw-dir $(RAW_INPUT) \
	  --parquet-dir $(PARQUET_DIR) --rows-per-file $(ROWS_PER_FILE)
# Simulator flags not set here come from the produce (or gen) run's record; SKIP_TOPIC=1: no broker.
reconcile: build ## per-date counts from simulator to Parquet, and whether they balance
	@$(EVPIPE) reconcile $(KAFKA) --topic $(TOPIC) $(call SET_FLAG,N_ORDERS,--orders) $(call SET_FLAG,SEED,--seed) \
	  $(call SET_FLAG,POISON_RATE,--poison-rate) $(if $(filter 1 true yes on,$(SKIP_TOPIC)),--skip-topic) \
	  $(if $(filter-out $(RAW_DIR),$(RAW_INPUT)),--source gen --raw-dir $(GEN_DIR),--raw-dir $(RAW_DIR)) \
	  --parquet-dir $(PARQUET_DIR)
query: ## SQL=... over the Parquet of TOPIC with DuckDB (the table is named TOPIC; no SQL: rows per date)
	@node scripts/query.mjs $(PARQUET_DIR) $(TOPIC) "$(SQL)"

console: build ## a web page of topics, groups, lag and the lake at http://127.0.0.1:CONSOLE_PORT (after make demo: the demo's)
	@KAFKA_BOOTSTRAP=$(KAFKA_BOOTSTRAP) TOPIC=$(TOPIC) RAW_DIR=$(RAW_INPUT) PARQUET_DIR=$(PARQUET_DIR) \
	  CONSOLE_PORT=$(CONSOLE_PORT) EVPIPE=$(EVPIPE) scripts/console.sh

demo: build ## the whole flow end to end on the embedded broker
	@scripts/demo.sh

soak: build ## the long crash tests of sink-raw and of the broker (200 kills each)
	@scripts/soak.sh
