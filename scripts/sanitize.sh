#!/usr/bin/env bash
# Runs tests under a sanitizer build. Used by `make test-asan`, `make test-tsan` and CI.
#   asan: ASan+UBSan (preset asan): every unit test and the broker's integration
#         tests (named broker_*), the broker itself running as the ASan binary.
#   tsan: TSan (preset tsan): the tests of the threaded parts: broker storage (group
#         commit, SyncAll), the broker server (through broker_durability_test and
#         broker_librdkafka_test), the simulator's render threads, the Parquet job's
#         parallel writer, the sink.
# A sanitizer report fails the test (halt_on_error); librdkafka, which is not
# instrumented, is suppressed for TSan (tests/support/tsan.supp).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: sanitize.sh asan|tsan}
werror=${EVPIPE_WERROR:-OFF}
case $kind in
  asan)
    cmake --preset asan -DEVPIPE_WERROR="$werror" >/dev/null
    cmake --build build/asan >/dev/null
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    ctest --test-dir build/asan --output-on-failure -j "${CTEST_JOBS:-1}" -L unit ${CTEST_ARGS:-}
    ctest --test-dir build/asan --output-on-failure -j "${CTEST_JOBS:-1}" -R '^broker_' -E 'cross_client|kcat' ${CTEST_ARGS:-}
    ;;
  tsan)
    tests='^(evpipe_broker_storage_test|evpipe_sim_test|evpipe_jobs_test|evpipe_parquet_test|evpipe_sink_test|broker_durability_test|broker_librdkafka_test)$'
    cmake --preset tsan -DEVPIPE_WERROR="$werror" >/dev/null
    cmake --build build/tsan --target evpipe evpipe_broker_storage_test evpipe_sim_test evpipe_jobs_test \
      evpipe_parquet_test evpipe_sink_test broker_durability_test broker_librdkafka_test >/dev/null
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/support/tsan.supp}
    ctest --test-dir build/tsan --output-on-failure -R "$tests" ${CTEST_ARGS:-}
    ;;
  *) echo "sanitize.sh: unknown kind '$kind' (asan or tsan)" >&2; exit 2 ;;
esac
