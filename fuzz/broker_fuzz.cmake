# Fuzz the broker's request decoder: build with `cmake --preset fuzz`, run
#   build/fuzz/broker_request_fuzzer -max_total_time=60 fuzz/broker_corpus
add_executable(broker_request_fuzzer ${CMAKE_CURRENT_LIST_DIR}/broker_request_fuzzer.cc)
target_link_libraries(broker_request_fuzzer PRIVATE evpipe_kafka_protocol)
target_include_directories(broker_request_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_options(broker_request_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(broker_request_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
