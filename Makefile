# krj: ngx_http_krj_module and krj-batch.
#
#   make          build/ngx_http_krj_module.so and build/krj-batch
#   make deps     install the Debian packages (idempotent)
#   make test     deps, build, unit tests, 20 s of each fuzz target,
#                 integration tests (plain and ASan)
#   make demo     deps, build, ingest the sample data, nginx on :8443
#                 (PORT=9443 another port; KRJ_DEMO_DATA=DIR other CSVs)
#   make bench    wrk: module against static nginx serving the same bytes
#   make fuzz     the libFuzzer targets, FUZZ_TIME seconds each (300)
#   make fuzz-coverage  the lines their corpora reach (llvm-cov)

NGINX_SRC    ?= /usr/share/nginx/src
PYTHON       ?= /usr/bin/python3
BUILD        := build
FUZZ_TIME    ?= 300

export NGINX_SRC

MODULE_SRCS  := config $(wildcard ngx_krj_module/*.[ch])
BATCH_SRCS   := $(wildcard batch-plugin/*.[ch]) $(wildcard batch-plugin/sql/*.sql) \
                $(wildcard ngx_krj_module/krj_*.[ch]) \
                $(wildcard dashboard/krj.*) scripts/embed-assets.sh

ASAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined

.PHONY: all deps module batch asan test unit integration integration-asan \
        fuzz fuzz-build fuzz-coverage demo bench clean

all: module batch

deps:
	@scripts/deps.sh

module: $(BUILD)/ngx_http_krj_module.so
batch: $(BUILD)/krj-batch

$(BUILD)/ngx_http_krj_module.so: $(MODULE_SRCS) scripts/build-module.sh
	scripts/build-module.sh $(BUILD)

$(BUILD)/asan/ngx_http_krj_module.so: $(MODULE_SRCS) scripts/build-module.sh
	scripts/build-module.sh $(BUILD)/asan "$(ASAN_FLAGS)" "$(ASAN_FLAGS)"

$(BUILD)/krj-batch: $(BATCH_SRCS) batch-plugin/Makefile
	$(MAKE) -C batch-plugin BUILD=$(CURDIR)/$(BUILD)

asan: $(BUILD)/asan/ngx_http_krj_module.so

test: deps
	@$(MAKE) --no-print-directory all asan fuzz-build
	@scripts/run-tests.sh

unit: all
	$(MAKE) -C tests/unit BUILD=$(CURDIR)/$(BUILD) run

integration: all
	$(PYTHON) -m pytest -q tests/integration

integration-asan: all asan
	KRJ_ASAN=1 $(PYTHON) -m pytest -q tests/integration

fuzz-build:
	$(MAKE) -C tests/fuzz BUILD=$(CURDIR)/$(BUILD)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/fuzz.sh --time $(FUZZ_TIME)

fuzz-coverage: deps
	@$(MAKE) --no-print-directory -C tests/fuzz BUILD=$(CURDIR)/$(BUILD) \
	    COVERAGE=1
	@scripts/fuzz-coverage.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@$(if $(PORT),KRJ_DEMO_PORT=$(PORT) )scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) scripts/bench.py

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tests/unit clean BUILD=$(CURDIR)/$(BUILD)
	$(MAKE) -C tests/fuzz clean BUILD=$(CURDIR)/$(BUILD)
	$(MAKE) -C tests/fuzz clean BUILD=$(CURDIR)/$(BUILD) COVERAGE=1
