# Parquet writer micro benchmark (bench/parquet_bench.cc).
evpipe_add_benchmark(evpipe_parquet_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/parquet_bench.cc DEPS evpipe_parquet)
