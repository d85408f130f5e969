# Shared compile options and the two helpers every module uses.

add_library(signet_options INTERFACE)
target_compile_options(signet_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Woverloaded-virtual -Wformat=2
  -fstack-protector-strong)
if(SIGNET_WERROR)
  target_compile_options(signet_options INTERFACE -Werror)
endif()
if(NOT SIGNET_SANITIZE AND NOT SIGNET_FUZZ)
  # _FORTIFY_SOURCE needs optimisation; sanitizer builds run at -O1 and skip it.
  target_compile_definitions(signet_options INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()
target_link_options(signet_options INTERFACE -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack)
# Reproducible builds (issue 19, scripts/release): a build id that is a hash of the linked bytes,
# never a random or time-based one (Debian's GCC default, made explicit).
target_link_options(signet_options INTERFACE -Wl,--build-id=sha1)
option(SIGNET_REPRODUCIBLE "Map the source and build directories out of every output (scripts/release)" OFF)
if(SIGNET_REPRODUCIBLE)
  # No __DATE__/__TIME__/__TIMESTAMP__ in our code (an error under -Werror; SOURCE_DATE_EPOCH would
  # pin them anyway, but a build stamp in a binary whose hash is a TPM reference value is a
  # mistake). Only with SIGNET_REPRODUCIBLE (scripts/release and the ci preset, whose binaries
  # release_reproducible compares with a release build's), so the other presets' compile commands
  # (and their ccache keys) stay as they were.
  target_compile_options(signet_options INTERFACE -Wdate-time)
  # Every target, generated protobuf code included: __FILE__ (assertions, log macros) and the debug
  # info name paths relative to the tree, so neither the checkout nor the build directory reaches a
  # binary, and the build id (a hash of the linked bytes, debug info included) is the same wherever
  # the tree is built. GCC tries the maps last-given first:
  #   BUILD/      -> ""   generated code (service/x.pb.cc), before the source prefix it may sit under;
  #   BUILD       -> "."  DW_AT_comp_dir, the working directory (no trailing slash to match);
  #   SOURCE/     -> ""   the tree (core/src/x.cc);
  #   REL/        -> ""   ccache's base_dir rewrites absolute paths into paths relative to the build
  #                       directory (../../core/src/x.cc): mapped here, so a ccache build with
  #                       base_dir (every developer's) gives the bytes a plain compile gives.
  # The maps are not recorded in DW_AT_producer, so builds in different directories differ in no byte.
  # ccache hashes only the new side of a map (and the working directory after the maps), so a
  # change to an old side alone keeps its keys: rebuild with CCACHE_RECACHE=1 after one.
  file(RELATIVE_PATH signet_rel_src ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  string(REGEX REPLACE "/+$" "" signet_rel_src "${signet_rel_src}")  # CMake gives "../../"
  if(signet_rel_src)  # empty in an in-source build, where "/=" would map every absolute path
    add_compile_options(-ffile-prefix-map=${signet_rel_src}/=)
  endif()
  add_compile_options(-ffile-prefix-map=${PROJECT_SOURCE_DIR}/=
                      -ffile-prefix-map=${PROJECT_BINARY_DIR}=.
                      -ffile-prefix-map=${PROJECT_BINARY_DIR}/=)
endif()
if(SIGNET_SANITIZE)
  target_compile_options(signet_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(signet_options INTERFACE -fsanitize=address,undefined)
endif()
if(SIGNET_FUZZ)
  target_compile_options(signet_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(signet_options INTERFACE -fsanitize=address,undefined)
endif()

# signet_cc_library(NAME <module> [SRCS ...] [DEPS ...])
# Creates signet_<module> with the alias signet::<module>, PUBLIC include/ and PRIVATE src/.
# A module with no sources yet is an INTERFACE library carrying its headers.
function(signet_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(tgt signet_${A_NAME})
  if(A_SRCS)
    add_library(${tgt} STATIC ${A_SRCS})
    target_include_directories(${tgt} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${tgt} PUBLIC ${A_DEPS} PRIVATE signet_options ${A_PRIVATE_DEPS})
  else()
    add_library(${tgt} INTERFACE)
    target_include_directories(${tgt} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${tgt} INTERFACE ${A_DEPS})
  endif()
  add_library(signet::${A_NAME} ALIAS ${tgt})
endfunction()

# signet_cc_test(NAME <name> SRCS ... DEPS ... [LABELS ...] [FIXTURES ...] [ENV ...])
function(signet_cc_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;FIXTURES;ENV" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} signet_test_support GTest::gtest GTest::gmock GTest::gtest_main signet_options)
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT}
    ENVIRONMENT "SIGNET_SOURCE_DIR=${PROJECT_SOURCE_DIR};SIGNET_BINARY_DIR=${PROJECT_BINARY_DIR};SIGNET_SHARED_DIR=${SIGNET_SHARED_DIR};SIGNET_CLI=$<TARGET_FILE:signet>;${A_ENV}")
  if(A_LABELS)
    set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}")
  endif()
  if(A_FIXTURES)
    set_tests_properties(${A_NAME} PROPERTIES FIXTURES_REQUIRED "${A_FIXTURES}")
  endif()
endfunction()

# signet_proto_library(NAME <name> PROTOS <file.proto ...> [DEPS ...])
# Compiles .proto files (paths relative to the current source dir) into signet_<name>_proto with
# the alias signet::<name>_proto. Imports resolve from the project root, so a proto imports
# "service/proto/error.proto" and C++ includes "service/proto/error.pb.h". Generated code is
# built without the project's warning flags and its include dir is SYSTEM (protoc's output is not
# ours to fix), so -Werror stays on for everything we write.
function(signet_proto_library)
  cmake_parse_arguments(A "" "NAME" "PROTOS;DEPS" ${ARGN})
  set(tgt signet_${A_NAME}_proto)
  set(out ${PROJECT_BINARY_DIR}/proto_gen)
  file(MAKE_DIRECTORY ${out})
  set(srcs "")
  foreach(p ${A_PROTOS})
    set(abs ${CMAKE_CURRENT_SOURCE_DIR}/${p})
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    add_custom_command(
      OUTPUT ${out}/${stem}.pb.cc ${out}/${stem}.pb.h
      COMMAND protobuf::protoc --cpp_out=${out} -I ${PROJECT_SOURCE_DIR} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${rel}" VERBATIM)
    list(APPEND srcs ${out}/${stem}.pb.cc)
  endforeach()
  add_library(${tgt} STATIC ${srcs})
  target_include_directories(${tgt} SYSTEM PUBLIC ${out})
  target_link_libraries(${tgt} PUBLIC protobuf::libprotobuf ${A_DEPS})
  add_library(signet::${A_NAME}_proto ALIAS ${tgt})
endfunction()

# signet_no_unity(<file> ...)
# The presets build in unity mode (CMAKE_UNITY_BUILD, CMakePresets.json: each target's sources
# compiled eight to a translation unit, so the Boost, protobuf, OpenSSL and GoogleTest headers are
# parsed once per eight files instead of once per file; a cold ci build takes 30 % less). A file whose
# file-local names (anonymous-namespace helpers such as Malformed or kFinding) clash with a
# neighbour's is compiled on its own instead. Call it in the directory that lists the file.
function(signet_no_unity)
  set_source_files_properties(${ARGN} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endfunction()
