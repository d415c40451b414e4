# Fuzz the broker's request decoders (the Kafka codec is compiled into the
# target so it gets the fuzzer's coverage instrumentation):
#   cmake --preset fuzz && cmake --build build/fuzz --target broker_request_fuzzer
#   build/fuzz/broker_request_fuzzer -max_total_time=60
# EVPIPE_KP_SOURCES includes the codec generated from broker/protocol/spec/*.json.
add_executable(broker_request_fuzzer ${CMAKE_CURRENT_LIST_DIR}/broker_request_fuzzer.cc ${EVPIPE_KP_SOURCES}
  ${PROJECT_SOURCE_DIR}/src/evpipe/broker/batch/record_batch.cc ${PROJECT_SOURCE_DIR}/src/evpipe/broker/batch/crc32c.cc
  ${PROJECT_SOURCE_DIR}/src/evpipe/broker/batch/compression.cc)
target_include_directories(broker_request_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/src ${EVPIPE_KP_GEN_INCLUDE})
add_dependencies(broker_request_fuzzer evpipe_kafka_protocol_gen)
target_link_libraries(broker_request_fuzzer PRIVATE evpipe_core fmt::fmt zstd::libzstd_shared Snappy::snappy ZLIB::ZLIB PkgConfig::LZ4)
target_compile_options(broker_request_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(broker_request_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
