# Two entry points for a fresh machine: `make run` and `make test`.
# Each installs what it needs into .venv (re-installing when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
DATA   ?= ./data

WEB    := src/lianxin/web
# What the web build reads (unit tests excluded: they don't change the bundle).
WEB_SRC := $(shell find $(WEB)/src $(WEB)/public -type f ! -name '*.test.ts' 2>/dev/null) \
           $(WEB)/index.html $(WEB)/package.json $(WEB)/tsconfig.json $(WEB)/vite.config.ts

.PHONY: run test lint typecheck unit install clean web web-test chromium ffmpeg

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The web client: `npm ci` when node_modules is missing or the lockfile changed,
# `npm run build` when a source is newer than the last build.
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.package-lock.json $(WEB_SRC)
	cd $(WEB) && npm run build
	@touch $@

web: $(WEB)/dist/index.html

web-test: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && npm test

# The browser the end-to-end tests drive (Debian's; Playwright's own download is not used),
# with CJK and colour-emoji fonts so screenshots of the Chinese UI and emoji render.
CHROMIUM_PKGS := chromium fonts-noto-cjk fonts-noto-color-emoji
chromium:
	@missing=""; for p in $(CHROMIUM_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v chromium >/dev/null || case "$$missing" in *chromium*) ;; *) missing="$$missing chromium";; esac; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; apt-get update && apt-get install -y $$missing; fi

# ffmpeg/ffprobe: video posters and durations, WebM/M4A voice notes (the server degrades without).
ffmpeg:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || \
	  { echo "installing: ffmpeg"; apt-get update && apt-get install -y ffmpeg; }

run: $(STAMP) web
	$(BIN)/lianxin serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

# Web unit tests first, so the suite's closing line is pytest's summary.
test: lint typecheck web chromium ffmpeg web-test
	$(BIN)/python -m pytest -q -rs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(WEB)/dist $(WEB)/node_modules test-artifacts
