# Micro benchmark of the raw-to-parquet job (bench/raw_to_parquet_bench.cc).
if(TARGET evpipe_jobs)
  evpipe_add_benchmark(evpipe_jobs_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/raw_to_parquet_bench.cc DEPS evpipe_jobs)
endif()
