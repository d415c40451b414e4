# Fuzz the record batch validation and the partition log recovery (sources
# compiled into each target so they get the fuzzer's coverage instrumentation):
#   cmake --preset fuzz && cmake --build build/fuzz --target record_batch_fuzzer segment_recovery_fuzzer
#   build/fuzz/record_batch_fuzzer -max_total_time=60 fuzz/corpus/record_batch
#   build/fuzz/segment_recovery_fuzzer -max_total_time=60 fuzz/corpus/segment_recovery
set(evpipe_batch_dir ${PROJECT_SOURCE_DIR}/src/evpipe/broker/batch)
set(evpipe_storage_dir ${PROJECT_SOURCE_DIR}/src/evpipe/broker/storage)
set(evpipe_batch_sources ${evpipe_batch_dir}/record_batch.cc ${evpipe_batch_dir}/crc32c.cc
  ${evpipe_batch_dir}/compression.cc)
foreach(t record_batch_fuzzer segment_recovery_fuzzer)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.cc ${evpipe_batch_sources})
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${t} PRIVATE evpipe_core fmt::fmt zstd::libzstd_shared Snappy::snappy ZLIB::ZLIB PkgConfig::LZ4)
  target_compile_options(${t} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${t} PRIVATE -fsanitize=fuzzer,address,undefined)
endforeach()
target_sources(segment_recovery_fuzzer PRIVATE ${evpipe_storage_dir}/segment.cc ${evpipe_storage_dir}/producer_state.cc
  ${evpipe_storage_dir}/checkpoint.cc ${evpipe_storage_dir}/partition_log.cc ${evpipe_storage_dir}/partition_log_read.cc
  ${evpipe_storage_dir}/partition_log_recovery.cc ${PROJECT_SOURCE_DIR}/src/evpipe/io/file_system.cc)
