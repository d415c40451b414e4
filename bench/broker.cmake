# Broker benchmarks: the codec micro benchmark, and the librdkafka mock cluster
# that bench/broker_bench.sh runs kcat against as the baseline.
evpipe_add_benchmark(evpipe_broker_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/broker_codec_bench.cc
  DEPS evpipe_kafka_protocol)
add_executable(broker_mock_cluster ${CMAKE_CURRENT_LIST_DIR}/broker_mock_cluster.cc)
target_link_libraries(broker_mock_cluster PRIVATE PkgConfig::RDKAFKA)
evpipe_apply_flags(broker_mock_cluster)
add_executable(broker_latency ${CMAKE_CURRENT_LIST_DIR}/broker_latency.cc)
target_link_libraries(broker_latency PRIVATE PkgConfig::RDKAFKA Threads::Threads)
evpipe_apply_flags(broker_latency)
# The disk's side of the latency row without the broker (docs/readme/broker.md, "Latency").
add_executable(fsync_probe ${CMAKE_CURRENT_LIST_DIR}/fsync_probe.cc)
target_link_libraries(fsync_probe PRIVATE Threads::Threads)
evpipe_apply_flags(fsync_probe)
