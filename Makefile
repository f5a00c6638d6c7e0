# The two set-up commands: `make run` and `make test`. Both create .venv and install
# everything on first use (and again whenever pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean chromium bench wrk

run: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/talentmesh serve

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	HF_HUB_OFFLINE=1 $(BIN)/pytest

install: $(STAMP)

# The benchmark suite (bench/suite.py): every stage at SCALE candidate profiles, one table.
SCALE ?= 100000
bench: $(STAMP) wrk
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.suite --scale $(SCALE)

# The redirect and API stages load the service with wrk (a Debian package).
wrk:
	@command -v wrk >/dev/null || { \
		sudo=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# The browser tests (tests/pages) drive Debian's Chromium through Playwright, which never
# downloads a browser of its own: install the package when it is missing (as root in CI,
# through sudo elsewhere).
chromium:
	@command -v chromium >/dev/null || { \
		sudo=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# torch comes first and pinned: sentence-transformers would otherwise resolve the newest
# torch from the registry, with several GB of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
