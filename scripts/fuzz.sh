#!/usr/bin/env bash
# Builds every libFuzzer target (cmake preset `fuzz`, clang) and runs each for
# FUZZ_SECONDS (default 3600: `make fuzz`; CI runs 60) from its corpus in
# fuzz/corpus/<name> (name: the target without evpipe_ and _fuzz/_fuzzer),
# two targets at a time. FUZZ_SKIP names targets to leave out. New inputs are written to build/fuzz/corpus/<name>, not
# to the repo; a crash fails the run and leaves the input in build/fuzz/crash-<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-3600}
jobs=${FUZZ_JOBS:-2}
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (make deps installs clang)" >&2; exit 1; }
# Warnings are policed by the gcc builds; this clang build only fuzzes (some of our
# gcc warning switches are unknown to clang).
cmake --preset fuzz -DEVPIPE_WERROR=OFF >/dev/null
cmake --build build/fuzz --target fuzzers >/dev/null
mapfile -t targets < <(find build/fuzz -maxdepth 1 -type f -executable -name '*fuzz*' -printf '%f\n' | sort)
((${#targets[@]})) || { echo "fuzz: no fuzz targets were built" >&2; exit 1; }
# FUZZ_SKIP: targets not to run (space-separated), said out loud.
if [[ -n ${FUZZ_SKIP:-} ]]; then
  kept=()
  for t in "${targets[@]}"; do
    if [[ " $FUZZ_SKIP " == *" $t "* ]]; then echo "fuzz: skipping $t (FUZZ_SKIP)"; else kept+=("$t"); fi
  done
  targets=("${kept[@]}")
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each: ${targets[*]}"

run_one() {
  local target=$1 seconds=$2 name
  name=${target#evpipe_}
  name=${name%_fuzzer}
  name=${name%_fuzz}
  local work=build/fuzz/corpus/$name crash=build/fuzz/crash-$name
  mkdir -p "$work" "$crash"
  local seeds=()
  [[ -d fuzz/corpus/$name ]] && seeds=("fuzz/corpus/$name")
  if build/fuzz/"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$crash/" "$work" "${seeds[@]}" >"build/fuzz/$name.log" 2>&1; then
    echo "fuzz: $target ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "build/fuzz/$name.log" | grep -o '[0-9]*$') runs)"
  else
    echo "fuzz: $target FAILED; log build/fuzz/$name.log, input in $crash/" >&2
    tail -n 40 "build/fuzz/$name.log" >&2
    return 1
  fi
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds"
