# twoline — build, test, benchmark and demo entry points.
#
# Every target installs what it needs first (`deps`), so `make demo` and `make test` work on a fresh
# Debian 12 machine. Three build trees: build/ (Release, the binary and benchmarks), build-asan/
# (Debug with AddressSanitizer + UndefinedBehaviorSanitizer, for the sanitizer test run) and
# build-fuzz/ (clang, the libFuzzer targets of fuzz/ with ASan and UBSan).

PACKAGES := cmake g++ make pkg-config clang-format sqlite3 libsqlite3-dev libssl-dev libtomlplusplus-dev \
            libsimdjson-dev libcpp-httplib-dev libcli11-dev librapidcheck-dev libgtest-dev libgmock-dev \
            libbenchmark-dev iso-codes python3 time bc chromium fonts-wqy-microhei clang \
            libclang-rt-14-dev postgresql postgresql-client libpq-dev libtcmalloc-minimal4 \
            libgoogle-perftools-dev libxxhash-dev ninja-build
JOBS ?= $(shell nproc)
# Every tree is generated for Ninja, which keeps all cores compiling across library boundaries, and
# compiled as unity sources (eight .cc files a compiler run): on 2 cores the sanitizer tree builds in
# 4.0 min instead of 7.3 (docs/testing.md). A tree configured for another generator is reconfigured.
CMAKE_CONFIGURE = cmake -G Ninja -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
GENERATOR_CHECK = grep -qs '^CMAKE_GENERATOR:INTERNAL=Ninja$$' $(1)/CMakeCache.txt || rm -rf $(1)/CMakeCache.txt $(1)/CMakeFiles
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build build-asan build-fuzz test test-release test-asan test-fuzz fuzz bench demo format clean
FUZZ_SECONDS ?= 60

all: build

# Installs missing Debian packages; does nothing when all are present.
deps: build/.deps-ok
build/.deps-ok: Makefile web/package-lock.json
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi
	@# The JSON test suite comes from npm; Node may already be installed from elsewhere, so Debian's
	@# nodejs and npm are installed only when npm is missing.
	@command -v npm >/dev/null 2>&1 || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm </dev/null; }
	@# The console's bundler and type checker, and the browser tests' driver, exactly as locked.
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p build && touch $@

build: deps
	@$(call GENERATOR_CHECK,build)
	@$(CMAKE_CONFIGURE) -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@$(call GENERATOR_CHECK,build-asan)
	@$(CMAKE_CONFIGURE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTWOLINE_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS) --target twoline_unit_tests

test-release: build
	cd build && ctest --output-on-failure -j $(JOBS)

# One process per core, not per test (tests/run_sanitized.sh: ASan's start and leak check cost
# 0.29 s a process).
test-asan: build-asan
	TEST_JOBS=$(JOBS) ./tests/run_sanitized.sh build-asan

build-fuzz: deps
	@$(call GENERATOR_CHECK,build-fuzz)
	@CC=clang CXX=clang++ $(CMAKE_CONFIGURE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTWOLINE_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_command fuzz_profile fuzz_journal fuzz_http_request fuzz_snapshot

# Each fuzz target for FUZZ_SECONDS from its seed corpus; fails on any crash, leak or sanitizer report.
test-fuzz: build-fuzz
	./fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# Longer runs that keep new inputs in fuzz/corpus/.
fuzz: build-fuzz
	./fuzz/run.sh build-fuzz 600 --keep

test: test-release test-asan test-fuzz

bench: build
	./bench/run.sh

demo: build
	./build/twoline demo

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc' 'tests/*.cc')

clean:
	rm -rf build build-asan build-fuzz
