# Every target sets itself up: a virtualenv in .venv holding exactly what uv.lock pins
# (again when the lock changes), Graphviz's `dot`, which plot_model needs, and the CJK
# font that the charts write Chinese with.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
# uv's own path, exported: the bench and the reader's tests run it too.
export UV := $(abspath .cache/uv-$(UV_VERSION)/bin/uv)
# Lighthouse, for the bench's figures on a phone: npm's, in a folder of its own (13 wants
# Node 22; Debian's is older).
LIGHTHOUSE_VERSION := 12.2.3
export LIGHTHOUSE := $(abspath .cache/lighthouse-$(LIGHTHOUSE_VERSION)/node_modules/.bin/lighthouse)
# The machine's python3, not a Python uv would download.
export UV_PYTHON_DOWNLOADS := never
export TF_CPP_MIN_LOG_LEVEL := 3
export NO_MKDOCS_2_WARNING := 1

.PHONY: test test-jax test-reader serve build diff pdf screenshots bench lock lint format graphviz browser poppler clean

# --dist loadgroup: the tests that run Keras (helpers.KERAS) go to one worker, so only it
# imports TensorFlow; the others are handed out one by one. One TensorFlow thread in each
# process: with a worker per core, a second one only spins (5 % more CPU for the Keras tests).
test: $(STAMP) graphviz browser poppler  ## run the whole test suite, one worker per core
	TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 $(BIN)/python -m pytest -n auto --dist loadgroup

# The site is built with TensorFlow: this runs every docs example and the library's
# tests again on Keras's JAX backend (not the site build, the plugin or the repository checks).
test-jax: $(STAMP) graphviz  ## the docs examples and library tests under KERAS_BACKEND=jax
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n auto --dist worksteal docs tests/test_blocks.py tests/test_models.py \
		tests/test_cost.py tests/test_checks.py tests/test_snippets.py src/convblocks

serve: $(STAMP) graphviz  ## build the site and serve it on http://127.0.0.1:8000
	$(BIN)/mkdocs serve

build: $(STAMP) graphviz  ## build the site into site/
	$(BIN)/mkdocs build --strict

# What the working tree's changes do to the outputs: main's checkout (a worktree in
# .cache/diff/main, its own example cache seeded from this one the first time: runs are
# keyed on their code, so only what differs runs there) is built, then the working tree;
# the plugin compares the two caches, page by page (python -m mkdocs_run_examples.changes).
DIFF := .cache/diff
DIFF_BASE ?= main
diff: $(STAMP) graphviz  ## what your changes do to the outputs, against main: .cache/diff/changes.html
	@if [ -d $(DIFF)/main ]; then git -C $(DIFF)/main checkout -q --detach $(DIFF_BASE); \
	else git worktree prune && git worktree add -q --detach $(DIFF)/main $(DIFF_BASE) && \
	  mkdir -p $(DIFF)/main/.cache && { [ ! -d .cache/run-examples ] || cp -R .cache/run-examples $(DIFF)/main/.cache/; }; fi
	cd $(DIFF)/main && PYTHONPATH=src:plugin/src $(abspath $(BIN))/mkdocs build --strict -q
	$(BIN)/mkdocs build --strict -q
	$(BIN)/python -m mkdocs_run_examples.changes $(DIFF)/main/.cache/run-examples .cache/run-examples --output $(DIFF)

# After the build: Chromium prints every page, in the navigation's order, into one PDF per
# language, which every page links to (tests/site_pdf.py).
pdf: build browser  ## the site as one PDF per language: site/pdf/convblocks-<language>.pdf
	$(BIN)/python tests/site_pdf.py site

screenshots: pdf poppler  ## for reviewers: test-artifacts/screenshots/, both languages, light and dark, and PDF pages
	$(BIN)/python tests/screenshots.py site

lint: $(STAMP)  ## check what the tests check: ruff's lint rules and format
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)  ## fix what `make lint` reports and ruff can fix: the format, the fixable rules
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

lock: $(UV)  ## update uv.lock: the newest versions the pyproject files allow
	$(UV) lock --upgrade

# uv itself, from PyPI, in a folder of its own (a venv, so that no system pip is touched).
$(UV):
	python3 -m venv .cache/uv-$(UV_VERSION)
	.cache/uv-$(UV_VERSION)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# Compiled to bytecode once, here: a Python that may not write it (PYTHONDONTWRITEBYTECODE,
# as on CI) would otherwise compile TensorFlow's sources in every process that imports it.
$(STAMP): uv.lock pyproject.toml plugin/pyproject.toml | $(UV)
	$(UV) sync --locked --python python3 --compile-bytecode
	touch $@

# Graphviz's `dot` for plot_model, and the CJK font (Noto Sans CJK, found by fontconfig's
# fc-list here and by matplotlib in the system's fonts) that the charts write Chinese with.
graphviz:
	@command -v dot >/dev/null 2>&1 && fc-list -q "Noto Sans CJK SC" 2>/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz and CJK fonts (Debian packages graphviz, fonts-noto-cjk) for plot_model and the charts"; \
		apt-get update -qq && apt-get install -y -qq graphviz fonts-noto-cjk fontconfig >/dev/null; \
	else \
		echo "Graphviz's dot or the CJK fonts are missing; install them with:  sudo apt-get install -y graphviz fonts-noto-cjk" >&2; \
		exit 1; \
	fi

# The PDF tests read the PDFs with Poppler's tools (pdftotext, pdffonts), and
# `make screenshots` draws their pages with pdftoppm.
poppler:
	@command -v pdftotext >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Poppler's tools (Debian package poppler-utils) for the PDF tests"; \
		apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; \
	else \
		echo "Poppler's tools are missing; install them with:  sudo apt-get install -y poppler-utils" >&2; \
		exit 1; \
	fi

# The browser tests drive Chromium's headless shell ($$CHROMIUM, else Debian's
# chromium-headless-shell) with Playwright, as Playwright's own headless runs do; the
# Chinese pages and PDF need Noto Sans CJK.
browser:
	@command -v "$${CHROMIUM:-chromium-headless-shell}" >/dev/null 2>&1 \
		&& fc-list ":lang=zh" family | grep -q "Noto Sans CJK" && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium's headless shell and CJK fonts (Debian packages chromium-headless-shell, fonts-noto-cjk)"; \
		apt-get update -qq && apt-get install -y -qq chromium-headless-shell fonts-noto-cjk >/dev/null; \
	else \
		echo "Chromium is missing; install it with:  sudo apt-get install -y chromium-headless-shell fonts-noto-cjk" >&2; \
		echo "(or point CHROMIUM at a Chrome or Chromium binary)" >&2; \
		exit 1; \
	fi

$(LIGHTHOUSE):
	@command -v npm >/dev/null 2>&1 || { \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Node.js and npm (Debian packages nodejs, npm) for Lighthouse"; \
		apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; \
	else \
		echo "npm is missing; install it with:  sudo apt-get install -y nodejs npm" >&2; \
		exit 1; \
	fi; }
	npm install --prefix .cache/lighthouse-$(LIGHTHOUSE_VERSION) --no-save --no-audit --no-fund \
		lighthouse@$(LIGHTHOUSE_VERSION)

clean:
	rm -rf $(VENV) site .cache
	git worktree prune

bench: $(STAMP) graphviz browser $(LIGHTHOUSE)  ## build benchmarks: cold, warm, partial rebuilds; on a phone
	$(BIN)/python benchmarks/build.py $(BENCH_ARGS)

# The notebooks the site offers, without outputs, committed for "Open in Colab":
# tests/test_notebooks.py fails when they differ from what the build makes.
.PHONY: notebooks
notebooks: $(STAMP)  ## regenerate notebooks/<language>/<page>.ipynb
	$(BIN)/python -m mkdocs_run_examples.offered notebooks

# A reader's machine, as Colab is: a fresh virtualenv without convblocks, which gets it by
# name from a folder holding the wheel of this checkout; every offered notebook and script,
# and the README's example, run there (minutes, one reader's virtualenv per pytest-xdist
# worker; not part of `make test`).
test-reader: $(STAMP) graphviz  ## run what the site offers outside the repository
	$(BIN)/python -m pytest -p no:cacheprovider -n auto reader
