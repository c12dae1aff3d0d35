# Included by llama.cpp's project() while `make install` compiles llama-cpp-python (Makefile: LLAMA_CMAKE_ARGS).
# llama-cpp-python forces LLAMA_BUILD_COMMON on, but its Python package never loads libllama-common, whose
# compile was half of the build (78 instead of ~150 targets; python-side API unchanged). A normal variable
# set here shadows that cache entry inside llama.cpp's own directory.
set(LLAMA_BUILD_COMMON OFF)
