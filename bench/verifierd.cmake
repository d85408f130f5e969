# verifierd: the in-process handler rate that bench/verifierd_load compares the HTTP rate with.
add_executable(bench_verifierd verifierd_load_inproc.cc)
target_link_libraries(bench_verifierd PRIVATE signet::verifierd signet_options Threads::Threads)
