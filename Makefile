# The two commands of the README, and the build they stand on.
#   make          build build/src/meshstor
#   make check    install what is missing, build three ways, run every test
#   make demo     install what is missing, build, run the demo
#   make bench    run the benchmarks and print their figures
#   make image    build the container image, $(BUILD)/meshstor-image.tar (docs/image.md)

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
MESON_TEST  = meson test --print-errorlogs --num-processes 2

.PHONY: all deps check demo bench fuzz clean lab-up lab-down image

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

# Every suite on the normal build; unit, fuzz corpus, the endpoint and the
# API-server tests again under AddressSanitizer + UBSan; the corpus through
# libFuzzer itself.
check: deps $(BUILD)/build.ninja $(BUILD_ASAN)/build.ninja $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD)
	ninja -C $(BUILD_ASAN)
	ninja -C $(BUILD_FUZZ)
	scripts/run-tests $(BUILD) "" \
		$(BUILD_ASAN) "unit fuzz integration apiserver" \
		$(BUILD_FUZZ) "fuzz"

demo: deps all
	scripts/demo

# The OCI archive to import on nodes (umoci and skopeo: scripts/install-deps).
image: all
	scripts/build-image $(BUILD)

bench: deps all
	bench/csi-endpoint/run $(BUILD)/src/meshstor
	$(BUILD)/bench/bench-placement
	bench/controller/run $(BUILD)/src/meshstor
	bench/kube/run $(BUILD)
	bench/lab/run
	bench/node/run

# Fuzz each target for FUZZ_SECONDS (default 60), growing scratch corpora.
fuzz: deps $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	for t in csi-request kube-codec; do \
		mkdir -p $(BUILD_FUZZ)/corpus-$$t && \
		$(BUILD_FUZZ)/test/fuzz/fuzz-$$t -max_total_time=$${FUZZ_SECONDS:-60} \
			$(BUILD_FUZZ)/corpus-$$t test/fuzz/corpus/$$t || exit 1; \
	done

# A virtual cluster to explore by hand (docs/lab.md): lab/lab ssh node1, ...
lab-up: deps all
	lab/lab up

lab-down:
	lab/cluster down

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
