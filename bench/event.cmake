# Micro benchmarks of the event library and the simulator (evpipe_event_bench).
evpipe_add_benchmark(evpipe_event_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/event_bench.cc DEPS evpipe_sim evpipe_event)
