# Every target sets itself up: a virtualenv in .venv on first use (again when
# pyproject.toml changes) and Graphviz's `dot`, which plot_model needs.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 3
export NO_MKDOCS_2_WARNING := 1

.PHONY: test serve build bench lint graphviz clean

test: $(STAMP) graphviz  ## run the whole test suite
	$(BIN)/python -m pytest

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

graphviz:
	@command -v dot >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (Debian package graphviz) for plot_model"; \
		apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz's dot is missing; install it with:  sudo apt-get install -y graphviz" >&2; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) site .cache

bench: $(STAMP) graphviz  ## build benchmarks: cold, warm, partial rebuilds
	$(BIN)/python benchmarks/build.py
