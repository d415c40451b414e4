#!/usr/bin/env bash
# Builds the LineParser fuzz target with clang++ directly (only the few sources
# it needs, not the whole project) and runs it for FUZZ_SECONDS (default 10)
# from the seed corpus. Used by `make test` (CTest event_fuzz_smoke); a crash
# or a broken invariant fails the test and leaves the input in the work dir.
set -euo pipefail
src=${EVPIPE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
work=${EVPIPE_BUILD_DIR:-$src/build/release}/fuzz-smoke
seconds=${FUZZ_SECONDS:-10}
mkdir -p "$work/corpus"
cxx=${CLANGXX:-clang++}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (scripts/deps.sh installs clang)" >&2; exit 1; }

sources=(
  "$src/fuzz/line_parser_fuzz.cc"
  "$src/src/evpipe/event/time.cc" "$src/src/evpipe/event/checksum.cc" "$src/src/evpipe/event/encode.cc"
  "$src/src/evpipe/event/line_parser.cc" "$src/src/evpipe/event/extract.cc"
  "$src/src/evpipe/core/text.cc" "$src/src/evpipe/core/status.cc"
)
bin=$work/line_parser_fuzz
# Rebuild only when a source or header changed.
if [[ ! -x $bin ]] || [[ -n $(find "$src/fuzz" "$src/src/evpipe/event" "$src/src/evpipe/core" -newer "$bin" -name '*.[ch]*' -print -quit) ]]; then
  simd=()
  grep -q ' avx2' /proc/cpuinfo 2>/dev/null && simd=(-mavx2 -mbmi -mbmi2 -mpclmul -mlzcnt -mpopcnt)
  mkdir -p "$work/gen/evpipe/core"
  [[ -f $work/gen/evpipe/core/version.h ]] || printf '#pragma once\ninline constexpr const char* kVersion = "fuzz";\ninline constexpr const char* kCreatedBy = "evpipe fuzz";\n' >"$work/gen/evpipe/core/version.h"
  "$cxx" -std=c++20 -O1 -g "${simd[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/src" -I"$work/gen" "${sources[@]}" -lsimdjson -lcrypto -lfmt -o "$bin.tmp"
  mv "$bin.tmp" "$bin"
fi
cd "$work"
"$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 corpus "$src/fuzz/corpus/line_parser" 2>&1 | tail -n 25
