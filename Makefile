# 딥러닝 기초 교재: make lab (JupyterLab), make test (전체 검사). See README.md.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb)) $(sort $(wildcard solutions/*.ipynb))
# The tests run in JOBS processes (pytest-xdist, one notebook per process at a time), each
# with THREADS threads, so that small torch models never fight over the cores.
# `make test JOBS=0 THREADS=` runs one process with the libraries' default thread count.
JOBS    ?= 2
THREADS ?= 1
TEST_ENV := $(if $(strip $(THREADS)),OMP_NUM_THREADS=$(THREADS) MKL_NUM_THREADS=$(THREADS) OPENBLAS_NUM_THREADS=$(THREADS))
PYTEST := $(TEST_ENV) $(PY) -m pytest -n $(JOBS) --dist loadfile
# TORCH_INDEX=https://download.pytorch.org/whl/cpu takes torch's small CPU build where PyPI's
# default is a multi-GB CUDA build (Linux); the version stays pinned.
PIP_TORCH := $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
PYTEST_NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: install lab test test-unit test-notebooks execute collect colab toc labs lint bench gpu-check test-browser clean

# Bootstrap: a virtual environment with the pinned packages and dlbasics (editable).
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 이상이 필요합니다 (Python 3.11+ required); found " + sys.version.split()[0] + ". 예: make $(MAKECMDGOALS) PYTHON=python3.11")'
	@# a venv whose pip is missing (python3-venv was not installed) is made again
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); } || \
	  { echo "가상환경을 만들 수 없습니다. 데비안/우분투: sudo apt install python3-venv (the venv module is missing)"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(PIP_TORCH) -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m dlbasics.tools.lab --configure
	touch $(STAMP)

install: $(STAMP)

## make lab: JupyterLab on the book (localhost, with its token), opening at the table of contents.
lab: $(STAMP)
	$(PY) -m dlbasics.tools.lab

## make test: unit tests, the browser test, every chapter and solution notebook under nbval.
test: $(STAMP)
	$(PYTEST) tests chapters solutions $(PYTEST_NBVAL)

test-unit: $(STAMP)
	$(PYTEST) tests --ignore=tests/browser

test-notebooks: $(STAMP)
	$(PYTEST) chapters solutions $(PYTEST_NBVAL)

## make collect: the chapters' `#@save NAME` cells into dlbasics/NAME.py (one source: the chapter).
collect: $(STAMP)
	$(PY) -m dlbasics.tools.collect

## make execute: re-run the notebooks in place so that the stored outputs are fresh.
execute: collect
	$(PY) -m dlbasics.tools.nbtools $(NOTEBOOKS)

## make colab: "Open in Colab" badge and Colab-only install cell in every chapter and solution.
colab: $(STAMP)
	$(PY) -m dlbasics.tools.colab $(NOTEBOOKS)

toc: $(STAMP)
	$(PY) -m dlbasics.tools.nbtools --toc

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

## make labs: generate the student labs from the solutions (never edit labs/ by hand).
labs: $(STAMP)
	$(PY) -m dlbasics.tools.labgen

## make bench: NumPy layers against PyTorch on the CPU (not part of the test suite).
bench: $(STAMP)
	$(PY) benchmarks/run.py

## make gpu-check: on a CUDA machine, nbval on the GPU and CPU/GPU timings; elsewhere says so.
gpu-check: $(STAMP)
	$(PY) benchmarks/gpu_check.py

## make test-browser: JupyterLab in headless Chromium (installs Debian's chromium if missing).
test-browser: $(STAMP)
	$(PY) -m pytest tests/browser -v

## make student-kit: what a student receives (labs/ and the installable package, no solutions),
## as dist/dlbasics-student-kit/ and dist/dlbasics-student-kit.zip.
.PHONY: student-kit
student-kit: $(STAMP)
	$(PY) -m dlbasics.tools.kit

# ---------------------------------------------------------------------------------------------
# The book as a website (book/, requirements-book.txt; the GitHub Pages workflow runs make book).
BOOK_STAMP := $(VENV)/.installed-book
SITE ?= build/site

.PHONY: book

# The website's pinned packages, in the same .venv; requirements.txt is a constraint, so they
# never move a version the book pins.
$(BOOK_STAMP): $(STAMP) requirements-book.txt
	$(PY) -m pip install --quiet -r requirements-book.txt -c requirements.txt
	touch $(BOOK_STAMP)

## make book: the book as a static website in build/site/ (SITE=...), from the stored outputs.
book: $(BOOK_STAMP)
	$(PY) book/make_site.py --out $(SITE)

# The site test (tests/browser/test_site.py) builds the website: make test installs its packages.
test test-unit test-browser: $(BOOK_STAMP)
