# Two commands on a fresh machine with Python 3.11 and make:
#   make demo   create .venv, install, generate the demo city, train and promote the models
#   make test   install the dev extras and run every test
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SEED   ?= 7
SCALE  ?= small
# the demo city's data end on 2026-10-31: score that month end and the one before
AS_OF  ?= 2026-10-31
PREV_AS_OF ?= 2026-09-30
export OMP_WAIT_POLICY ?= passive

APP_PORT ?= 8501

.PHONY: demo app test install install-dev lint clean-data bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "xinping needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Spark tests run in CI too: the dev install includes the spark extra (PySpark, Java 17).
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The first champion of each scheme, through the gates (no --force: a model that fails
# them stops the demo with the failing gates named).
demo: install
	$(BIN)/xinping demo-data --scale $(SCALE) --seed $(SEED)
	$(BIN)/xinping train --subject all
	$(BIN)/xinping promote --subject all
	$(BIN)/xinping score --subject all --as-of $(PREV_AS_OF) --as-of $(AS_OF)
	$(BIN)/xinping lists apply-rules --as-of $(AS_OF)
	$(BIN)/xinping watch run --as-of $(AS_OF)
	@$(MAKE) --no-print-directory app

# The Streamlit app on 127.0.0.1 (Ctrl+C stops it). Other xinping commands may run on the
# same store meanwhile: each takes the store only for its own operation (README).
app: install
	@echo "信评 xinping: http://127.0.0.1:$(APP_PORT)"
	@echo "演示账号 demo accounts (口令 password: xinping2026):"
	@echo "  supervisor 监管人员 · bank 银行信贷员 · rural 农村信用信息员 · modeller 建模人员 · admin 平台管理员"
	$(BIN)/xinping app --port $(APP_PORT)

# Two pytest-xdist workers, one per core of the CI machine; tests/worker_groups.py keeps the
# tests of a module, of the Spark session and of the small rated city on one worker each.
# PYTEST_ARGS come after and win: PYTEST_ARGS="-n 0 tests/models" runs in this process.
PYTEST_WORKERS ?= -n 2 --dist loadgroup

# pytest exits 5 when it selects no test: that is not a failure.
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean-data:
	rm -rf .data

# The benchmark suite: generates the small and the city-scale demo city once (cached in
# bench/.cache), then measures every path against its baseline; writes bench/RESULTS.md.
# Needs the champions of `make demo`. BENCH_ARGS="--scales small --skip-train" for a short run.
bench: install-dev
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

