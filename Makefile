# Every target sets itself up: a virtualenv in .venv on first use (again when
# pyproject.toml changes) and Graphviz's `dot`, which plot_model needs.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JAX_STAMP := $(VENV)/.installed-jax
export TF_CPP_MIN_LOG_LEVEL := 3
export NO_MKDOCS_2_WARNING := 1

.PHONY: test test-jax serve build bench lint graphviz browser clean

test: $(STAMP) graphviz browser  ## run the whole test suite, one worker per core
	$(BIN)/python -m pytest -n auto

# The site is built with TensorFlow: this runs every docs example and the library's
# tests again on Keras's JAX backend (not the site build, the plugin or the repository checks).
test-jax: $(JAX_STAMP) graphviz  ## the docs examples and library tests under KERAS_BACKEND=jax
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n auto docs tests/test_blocks.py tests/test_models.py \
		tests/test_cost.py tests/test_checks.py tests/test_snippets.py

serve: $(STAMP) graphviz  ## build the site and serve it on http://127.0.0.1:8000
	$(BIN)/mkdocs serve

build: $(STAMP) graphviz  ## build the site into site/
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs,test]'
	touch $@

$(JAX_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[jax]'
	touch $@

graphviz:
	@command -v dot >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (Debian package graphviz) for plot_model"; \
		apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz's dot is missing; install it with:  sudo apt-get install -y graphviz" >&2; \
		exit 1; \
	fi

# The browser tests drive Chromium ($$CHROMIUM, else Debian's chromium) with Playwright.
browser:
	@command -v "$${CHROMIUM:-chromium}" >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium and CJK fonts (Debian packages chromium, fonts-noto-cjk)"; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else \
		echo "Chromium is missing; install it with:  sudo apt-get install -y chromium fonts-noto-cjk" >&2; \
		echo "(or point CHROMIUM at a Chrome or Chromium binary)" >&2; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) site .cache

bench: $(STAMP) graphviz  ## build benchmarks: cold, warm, partial rebuilds
	$(BIN)/python benchmarks/build.py $(BENCH_ARGS)
