# make setup   build .venv once (pinned versions from requirements.txt) and install ganlib into it; nothing
#              outside this folder is installed. make test adds the tests' tools (requirements-dev.txt)
# make browser install Debian's Chromium, system-wide, for the browser test (asks apt-get; CI runs it)
# make course  run every notebook head-less with the real course settings; writes figures/ and figures/training.gif
# make test    ruff, then pytest + nbval in quick mode (GANLIB_QUICK=1): minutes, not the full course; nbval
#              runs each chapter as a student would, with ganlib from its wheel in an empty folder (build/away)
# make test-fast   ruff, then the tests that train nothing for long and need no browser or network (under 2 minutes)
# make lab     open JupyterLab on the course
# make student the student edition (solutions and mark schemes taken out of notebooks/solutions) in build/student
# make test-explorers   the site's live explorers alone, on a page built without the course, in Chromium
# make test-instructor  nbgrader releases two chapters and autogrades them (in an environment of its own)
# make site    the course as a static HTML site (build/site/_build/html), from make course's executed chapters,
#              with live explorers that run the shipped generators in the browser; checked page by page in
#              Chromium. View it served: python -m http.server -d build/site/_build/html
# make benchmark   throughput and time-to-quality (benchmarks/speed.py), about 10 minutes
# make pretrained  retrain the shipped generator in ganlib/assets/pretrained and record its figures (75 minutes)
# make pretrained-conditional   the same for the conditional one (45 minutes)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBS    := $(sort $(wildcard notebooks/0*.ipynb))

.PHONY: setup dev course test test-wheel away test-fast test-explorers test-instructor lab data clean student benchmark pretrained pretrained-conditional \
	browser wheel site

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# The tests' tools (pytest, pytest-xdist, nbval, ruff, Playwright) on top of the course's environment.
DEV_STAMP := $(VENV)/.dev-installed
dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Chromium for tests/test_browser.py (Playwright drives it; Playwright's own browser download is not used).
# A system package: only this target installs it, and says so first.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then echo "Chromium is at $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium system-wide (apt-get) for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "installing Debian's chromium system-wide (sudo apt-get) for the browser test"; \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: no Chromium at $(CHROMIUM) and no apt-get to install it: tests/test_browser.py will be skipped"; fi

data: setup
	$(BIN)/python -m ganlib data

# The course trains from scratch in build/course/runs, so runs of an older recipe (or your own in runs/) never
# get in the way; the notebooks run by hand keep using runs/ and resume there.
course: setup data
	rm -rf build/course/runs
	mkdir -p build/course/runs
	: > build/course/timings.txt
	cd notebooks && for nb in $(notdir $(NBS)); do \
	  echo "== $$nb"; start=$$(date +%s); \
	  GANLIB_RUNS_DIR=../build/course/runs ../$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
	    --output-dir ../build/course $$nb || exit 1; \
	  echo "$$nb $$(( $$(date +%s) - start )) s" | tee -a ../build/course/timings.txt; \
	done
	@echo "Executed notebooks: build/course/   Figures: figures/   Animation: figures/training.gif   Times: build/course/timings.txt"

# One queue on two processes (pytest-xdist): the chapters, each run whole in one kernel as a student runs it,
# and the tests, files ordered longest first by tools/one_queue.py so that both cores stay busy to the end.
# Only two processes ever share the two cores: running pytest and nbval side by side instead (four busy
# processes) took three times as long. Each process keeps to one thread for numpy's BLAS and one per TensorFlow
# pool (GANLIB_THREADS=1,1): with two processes on two cores, more threads only wait for each other (a tenth to
# three quarters of the time, measured on the chapters' own work). nbval runs each chapter once, with each
# exercise twice: as the student edition has it (its checks must say "not yet" without failing), then solved
# (python -m tools.edition --tested, in build/away/). The report ends with the DURATIONS (15) slowest tests
# (make test DURATIONS=0 lists them all); it is also in build/test-logs/.
# $(call borrowing-env,DIR): a new virtual environment at DIR that borrows the pinned packages of .venv through a
# plain path in a .pth file (so the checkout's editable install of ganlib is not among them): tools/borrowing_env.py.
borrowing-env = $(BIN)/python -m tools.borrowing_env $(1)

# The chapters run where a student runs them: ganlib installed from its wheel (not this checkout) into a virtual
# environment of its own that borrows the pinned packages (a plain path in a .pth file, so the checkout's
# editable install is not among them), each chapter in an empty folder with only the data linked in (this
# machine cannot reach Keras's dataset host); whatever a chapter reads must come with the wheel. nbval starts
# each chapter's kernel from the Jupyter kernel "ganlib-wheel" (build/jupyter), which is that environment's
# Python. GANLIB_WHEEL_CHAPTERS=1 tells pytest so (tests/conftest.py): its own wheel test then checks the wheel's
# contents and leaves the running of chapter 5 from it to nbval, and the drift tests skip their unedited run.
WHEEL_ENV := build/wheel-env
AWAY := build/away
KERNELS := build/jupyter
TESTED := $(patsubst notebooks/solutions/%,%,$(sort $(wildcard notebooks/solutions/0*.ipynb)))
# the longest chapters first (tools/one_queue.py keeps this order, and runs chapter 5 after chapter 4, whose run
# it evaluates, in the same process)
CHAPTER_ORDER := 04 05 08 06 07 03 02 01
DURATIONS ?= 15
CHAPTERS := $(foreach n,$(CHAPTER_ORDER),$(addprefix $(AWAY)/,$(filter $(n)_%,$(TESTED)))) $(AWAY)/index.ipynb
test:
	@$(MAKE) --no-print-directory -j2 data dev away  # the data, the test tools and the chapters' wheel, side by side
	$(BIN)/ruff check ganlib tests benchmarks tools
	@mkdir -p build/test-logs
	@echo "pytest: the chapters (each exercise unsolved, then solved) and the tests, in one queue on two processes"
	@GANLIB_QUICK=1 GANLIB_WHEEL_CHAPTERS=1 OPENBLAS_NUM_THREADS=1 GANLIB_THREADS=1,1 JUPYTER_PATH=$(CURDIR)/$(KERNELS) $(BIN)/python -m pytest -q \
	  -p no:cacheprovider -p tools.one_queue -n 2 --dist loadfile --no-loadscope-reorder --durations=$(DURATIONS) \
	  --nbval-lax --nbval-kernel-name ganlib-wheel --nbval-cell-timeout=900 $(CHAPTERS) tests \
	  > build/test-logs/tests.log 2>&1; status=$$?; cat build/test-logs/tests.log; exit $$status

# make test's chapters: this checkout's wheel installed into $(WHEEL_ENV), a Jupyter kernel of that environment,
# and the tested edition of each chapter in $(AWAY) with the data linked in.
away: test-wheel | $(STAMP)
	rm -rf $(WHEEL_ENV) $(AWAY) $(KERNELS)
	$(call borrowing-env,$(WHEEL_ENV))
	$(BIN)/python -m pip --python $(WHEEL_ENV)/bin/python install --no-deps --quiet build/wheel/ganlib-*.whl
	mkdir -p $(KERNELS)/kernels/ganlib-wheel && printf '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Python 3 (ganlib from its wheel)", "language": "python"}\n' \
	  "$(CURDIR)/$(WHEEL_ENV)/bin/python" > $(KERNELS)/kernels/ganlib-wheel/kernel.json
	mkdir -p $(AWAY) && ln -s ../../data $(AWAY)/data
	$(BIN)/python -m tools.edition --tested notebooks/solutions $(AWAY)
	cp notebooks/index.ipynb $(AWAY)/
	cd $(AWAY) && ../wheel-env/bin/python -c "import ganlib; assert '/wheel-env/' in ganlib.__file__, ganlib.__file__"

# The wheel of this checkout for make test's chapters, built afresh each time (setuptools' staging in build/lib
# keeps modules that have left ganlib). It needs only the new environment's pip, so it is built while the
# pinned packages install.
test-wheel: | $(BIN)/python
	rm -rf build/lib build/bdist.* build/wheel
	$(BIN)/python -m pip wheel --no-deps --quiet -w build/wheel .

# The tests marked slow (training, benchmarks, other processes), browser or network are left out: see pyproject.toml.
test-fast: dev data
	$(BIN)/ruff check ganlib tests benchmarks tools
	GANLIB_QUICK=1 $(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow and not browser and not network" \
	  --durations=5 tests

# The solved chapters in notebooks/solutions carry nbgrader's markers; the student edition drops the solutions
# and mark schemes and keeps the scaffolds (the chapters in notebooks/ are that same edition).
# Needs no environment: the edition writer uses Python's standard library only.
student:
	$(PYTHON) -m tools.edition notebooks/solutions build/student
	cp notebooks/index.ipynb build/student/

# The package as pip builds it, for Colab or any machine without this folder: dist/ganlib-VERSION-py3-none-any.whl
wheel:
	rm -rf build/lib build/bdist.*  # setuptools' staging, which keeps modules that have left ganlib
	$(PYTHON) -m pip wheel --no-deps --quiet -w dist .
	@ls dist/*.whl

# The site has its own environment (site/requirements.txt): Jupyter Book 1 builds offline, beside any pins.
SITE_VENV := .venv-site
$(SITE_VENV)/.installed: site/requirements.txt
	test -x $(SITE_VENV)/bin/python || $(PYTHON) -m venv $(SITE_VENV)
	$(SITE_VENV)/bin/python -m pip install --quiet -r site/requirements.txt
	touch $@

# The converter's environment for the site's live explorers: the course's pinned TensorFlow and Keras (a plain
# path in a .pth file, as make test's wheel environment does) plus site/export-requirements.txt.
EXPORT_VENV := .venv-export
$(EXPORT_VENV)/.installed: site/export-requirements.txt $(STAMP)
	$(call borrowing-env,$(EXPORT_VENV))
	$(BIN)/python -m pip --python $(EXPORT_VENV)/bin/python install --quiet --no-deps -r site/export-requirements.txt
	touch $@

# The shipped generators in ONNX for the browser, checked against Keras; made again when a generator changes.
build/site-models/models.json: $(EXPORT_VENV)/.installed site/export.py $(wildcard ganlib/assets/pretrained*/*)
	$(EXPORT_VENV)/bin/python site/export.py

# nbgrader (0.9.6) in an environment of its own, not in the student's set: it borrows the pinned packages (a
# plain path in a .pth file) and adds nbgrader with what it needs on top.
NBGRADER_VENV := .venv-nbgrader
$(NBGRADER_VENV)/.installed: $(STAMP)
	$(call borrowing-env,$(NBGRADER_VENV))
	$(BIN)/python -m pip --python $(NBGRADER_VENV)/bin/python install --quiet nbgrader==0.9.6
	touch $@

# The instructor's path: nbgrader releases chapters 2 and 3 and autogrades an untouched and a solved copy.
test-instructor: dev data $(NBGRADER_VENV)/.installed
	GANLIB_REQUIRE_NBGRADER=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_nbgrader.py

# The explorers alone, on a page built without running the course, checked in Chromium against Keras for inputs
# the test picks at run time. CI runs it after make test.
test-explorers: dev build/site-models/models.json
	$(BIN)/python site/build.py --explorers
	GANLIB_REQUIRE_EXPLORERS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_site.py -k explorers

site: dev $(SITE_VENV)/.installed build/site-models/models.json
	@test -f build/course/08_failures.ipynb || $(MAKE) course
	$(SITE_VENV)/bin/python site/build.py $(SITE_VENV)/bin
	GANLIB_REQUIRE_SITE=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_site.py

lab: setup
	$(BIN)/jupyter lab notebooks/index.ipynb

benchmark: setup data
	$(BIN)/python benchmarks/speed.py

# Retrain a shipped generator: train, record the 10,000-sample figures, keep only what sampling needs
# (the generator's weights, config, history and records, and the generator as a .keras file).
# $(call retrain,FOLDER,TRAIN-ARGUMENTS)
define retrain
	rm -rf $(1)
	$(BIN)/python -m ganlib train --out $(1) --fid --keep-best $(2)
	$(BIN)/python -m ganlib evaluate --checkpoint $(1) --n 10000 --record
	$(BIN)/python -m ganlib export --checkpoint $(1) --out $(1)/generator.keras
	$(BIN)/python -m tools.cards $(1)
	rm -rf $(1)/ckpt-*.weights.h5 $(1)/best-generator.weights.h5 $(1)/frames $(1)/.lock
endef
# The unconditional generator: the course's default recipe (GANConfig(), with its ten InfoGAN latent codes at
# weight 0.05, learnt without labels), scored each epoch on held-out training digits. Long runs can get worse
# late, so retrain keeps the best epoch's generator (--keep-best); ganlib/assets/results/ has a run that shows why.
PRETRAINED_MINUTES ?= 75
pretrained: setup data
	$(call retrain,ganlib/assets/pretrained,--minutes $(PRETRAINED_MINUTES))

# The conditional generator: the same recipe with the digit's label in both networks (--conditional). Its
# per-epoch FID settles within some 20 epochs as the unconditional one's does, so it trains for 45 minutes.
CONDITIONAL_MINUTES ?= 45
pretrained-conditional: setup data
	$(call retrain,ganlib/assets/pretrained-conditional,--conditional --minutes $(CONDITIONAL_MINUTES))

# Keeps runs/: the runs you trained yourself in the chapters (delete a run's folder to train it again).
clean:
	rm -rf build dist
