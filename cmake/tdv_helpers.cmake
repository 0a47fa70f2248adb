# SPDX-License-Identifier: Apache-2.0
# Warnings and sanitizers for TDV's own targets (third-party code is left alone).

function(tdv_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion)
  if(TDV_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(TDV_SANITIZE)
  message(STATUS "TDV: sanitizers ${TDV_SANITIZE}")
  add_compile_options(-fsanitize=${TDV_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TDV_SANITIZE})
endif()

# Fuzz builds instrument all our code for coverage; the fuzz targets link
# libFuzzer's main (tests/fuzz).
if(TDV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TDV_FUZZ=ON needs clang (CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# tdv_module(NAME SOURCES...): a library tdv_NAME with alias tdv::NAME.
function(tdv_module name)
  add_library(tdv_${name} ${ARGN})
  add_library(tdv::${name} ALIAS tdv_${name})
  target_include_directories(tdv_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  tdv_set_warnings(tdv_${name})
endfunction()
