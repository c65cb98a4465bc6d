#!/usr/bin/env bash
# The yardstick: llama.cpp's own tools, compiled for this CPU, to compare ConServe against.
# Prints the folder holding llama-bench, llama-batched-bench, llama-server and llama-tokenize.
#
#   BIN=$(scripts/build-llama-cpp.sh)     # 12 minutes on 2 cores the first time, instant after
#   python3 bench/compare_model.py --peer "$BIN" smollm2-135m
#   PEER_BIN=$BIN scripts/bench-headline.sh
#
# Only Debian's packages and PyPI are reachable from the machines this project targets, so the
# source is the llama.cpp tree vendored inside llama-cpp-python's source distribution (0.3.36 by
# default: the version the reference fixtures were made with). cmake and ninja come from PyPI
# into a private virtual environment; nothing is installed system-wide. The build is kept under
# ~/.cache/conserve/peer and reused by every later call. ConServe never links or calls it.
set -euo pipefail

version=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
home=${CONSERVE_PEER_DIR:-$HOME/.cache/conserve/peer/llama-cpp-python-$version}
tree="$home/src/vendor/llama.cpp"
bin="$tree/build/bin"
tools=(llama-server llama-bench llama-batched-bench llama-tokenize)

built() {
    for tool in "${tools[@]}"; do [ -x "$bin/$tool" ] || return 1; done
}

build() {
    python3 -m venv "$home/venv"
    "$home/venv/bin/pip" install --quiet cmake ninja scikit-build-core
    if [ ! -f "$tree/CMakeLists.txt" ]; then
        rm -rf "$home/sdist" "$home/src"
        mkdir -p "$home/sdist" "$home/src"
        "$home/venv/bin/pip" download --quiet --no-deps --no-binary :all: --no-build-isolation \
            "llama-cpp-python==$version" -d "$home/sdist"
        tar -xzf "$home/sdist/llama_cpp_python-$version.tar.gz" -C "$home/src" --strip-components 1
    fi
    # GGML_NATIVE: the kernels for this CPU's own instruction set, as ConServe's dispatch picks.
    # No CURL, tests or examples: only the four tools are needed.
    export PATH="$home/venv/bin:$PATH"
    cmake -S "$tree" -B "$tree/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON
    ninja -C "$tree/build" "${tools[@]}"
}

if ! built; then
    mkdir -p "$home"
    echo "build-llama-cpp: building llama.cpp (llama-cpp-python $version's tree) into $home; log: $home/build.log" >&2
    if ! (build) > "$home/build.log" 2>&1; then
        echo "build-llama-cpp: the build failed; the end of $home/build.log:" >&2
        tail -n 20 "$home/build.log" >&2
        exit 1
    fi
fi
echo "$bin"
