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
    # broker_hostile_test included: its memory bounds are on growth and allow for
    # ASan; its out-of-fds broker runs without UBSan's vptr check, which cannot
    # work without fds (docs/readme/testing.md).
    ctest --test-dir build/asan --output-on-failure -j "${CTEST_JOBS:-1}" -R '^broker_' -E 'cross_client|kcat' ${CTEST_ARGS:-}
    ;;
  tsan)
    # The threaded parts' own tests, narrowed to the cases that run threads (TSan
    # makes everything 5-15x slower): the simulator's render threads, the Parquet
    # writer's encode threads, broker storage (group commit, SyncAll, concurrent
    # append/read/sync), the handlers and group coordinator, the broker server
    # and its connections under SIGKILL restarts and under librdkafka (group
    # commit, a consumer group), and the sink's consume/land threads against
    # librdkafka's mock cluster. Brokers the tests start are the TSan binary.
    cases=(
      "evpipe_sim_test --gtest_filter=RecordStream.*"
      "evpipe_parquet_test --gtest_filter=FileWriterEncodeThreads.*"
      "evpipe_broker_storage_test"
      "evpipe_broker_handlers_test"
      "broker_durability_test"
      "broker_librdkafka_test"
      "evpipe_sink_mock_test --gtest_filter=SinkMockTest.LandsEveryRecordOnce*:SinkMockTest.Rebalance*"
    )
    targets=(evpipe)
    for c in "${cases[@]}"; do targets+=("${c%% *}"); done
    # Warnings are policed by the release and ASan builds: under TSan, GCC warns
    # (-Wtsan) on every asio handler's fence (std_fenced_block), which TSan does
    # not model; asio's queues are mutex-protected, which TSan does see.
    cmake --preset tsan -DEVPIPE_WERROR=OFF >/dev/null
    cmake --build build/tsan --target "${targets[@]}" >/dev/null
    # librdkafka's threads and locks are C11 ones that libtsan does not intercept:
    # a preloaded shim maps them onto pthreads (tests/support/tsan_c11_threads.c).
    shim=$PWD/build/tsan/libevpipe_tsan_c11_threads.so
    cc -std=c11 -O1 -shared -fPIC -o "$shim" tests/support/tsan_c11_threads.c -lpthread
    # Every process (the test and each broker it starts) writes its reports to
    # build/tsan/reports/tsan.<pid>: a report in a child broker fails the run
    # even when the test itself passed.
    reports=$PWD/build/tsan/reports
    rm -rf "$reports"
    mkdir -p "$reports"
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/support/tsan.supp:log_path=$reports/tsan}
    export EVPIPE_BIN=$PWD/build/tsan/evpipe EVPIPE_SOURCE_DIR=$PWD
    failed=0
    for c in "${cases[@]}"; do
      read -r -a argv <<<"$c"
      start=$SECONDS
      if LD_PRELOAD=$shim timeout "${TSAN_TEST_TIMEOUT:-600}" "build/tsan/${argv[0]}" "${argv[@]:1}" >"build/tsan/${argv[0]}.log" 2>&1 &&
          ! compgen -G "$reports/tsan.*" >/dev/null; then
        echo "tsan: ${c}: ok ($((SECONDS - start)) s)"
      else
        echo "tsan: ${c}: FAILED ($((SECONDS - start)) s); log build/tsan/${argv[0]}.log" >&2
        for r in "$reports"/tsan.*; do
          [[ -e $r ]] || continue
          echo "tsan: report $r:" >&2
          head -n 40 "$r" >&2
          mv "$r" "build/tsan/${argv[0]}.$(basename "$r")"
        done
        tail -n 20 "build/tsan/${argv[0]}.log" >&2
        failed=1
      fi
    done
    exit $failed
    ;;
  *) echo "sanitize.sh: unknown kind '$kind' (asan or tsan)" >&2; exit 2 ;;
esac
