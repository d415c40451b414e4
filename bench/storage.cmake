# Micro benchmarks of the broker's storage: append+fsync, read, CRC-32C.
if(TARGET evpipe_broker_storage)
  evpipe_add_benchmark(evpipe_storage_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/storage_bench.cc
    DEPS evpipe_broker_storage evpipe_test_record_batch)
endif()
