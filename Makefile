# make setup   build .venv once (pinned versions from requirements.txt) and install ganlib into it
# make course  run every notebook head-less with the real course settings; writes figures/ and figures/training.gif
# make test    pytest + nbval in quick mode (GANLIB_QUICK=1): minutes, not the full course
# make lab     open JupyterLab on the course
# make benchmark   throughput and time-to-quality (benchmarks/speed.py), about 10 minutes
# make pretrained  retrain the shipped generator in ganlib/assets/pretrained and record its figures
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBS    := $(sort $(wildcard notebooks/0*.ipynb))

.PHONY: setup course test lab data clean benchmark pretrained

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

data: setup
	$(BIN)/python -m ganlib data

course: setup data
	mkdir -p build/course
	cd notebooks && for nb in $(notdir $(NBS)); do \
	  echo "== $$nb"; \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
	    --output-dir ../build/course $$nb || exit 1; \
	done
	@echo "Executed notebooks: build/course/   Figures: figures/   Animation: figures/training.gif"

test: setup data
	GANLIB_QUICK=1 $(BIN)/python -m pytest -q tests
	GANLIB_QUICK=1 $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
	  -p no:cacheprovider notebooks

lab: setup
	$(BIN)/jupyter lab notebooks/index.ipynb

benchmark: setup data
	$(BIN)/python benchmarks/speed.py

PRETRAINED := ganlib/assets/pretrained
PRETRAINED_EPOCHS ?= 25
PRETRAINED_SETTINGS ?= --set disc_filters=[64,128]
pretrained: setup data
	rm -rf $(PRETRAINED)
	$(BIN)/python -m ganlib train --out $(PRETRAINED) --epochs $(PRETRAINED_EPOCHS) --fid $(PRETRAINED_SETTINGS)
	$(BIN)/python -m ganlib evaluate --checkpoint $(PRETRAINED) --n 10000 --record
	# Ship only what sampling needs: the generator's weights, config, history and records.
	rm -rf $(PRETRAINED)/ckpt-*.weights.h5 $(PRETRAINED)/frames

clean:
	rm -rf build runs
