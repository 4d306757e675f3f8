# labgrid: `make run` and `make test` are all a newcomer needs.
GO      ?= go
BIN     := bin/labgrid
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# `make run` serves the simulated demo class, living a whole workshop day
# in 2h20m (labgrid serve --demo: a
# throwaway PostgreSQL unless DATABASE_URL is set) and prints the URL to
# open; `make run ROSTER=class.csv` scans a real class once with the
# machine's AWS settings.
ROSTER  ?=
FORMAT  ?= table

.PHONY: build test deps-test lint bench bench-serve bench-load fuzz run clean generate docs vendor-js vendor-axe

# `make run` and `make test` install what they need beyond Go from the
# system's packages when it is missing (scripts/deps.sh: PostgreSQL, and
# for the tests gcc and Chromium): it says what and why, and what to run by hand
# when it cannot.
deps-test:
	@./scripts/deps.sh test

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/labgrid

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@out=$$($(GO) tool templ generate -check -path web 2>&1) || { echo "$$out"; echo "the generated *_templ.go files differ from the .templ files: run make generate"; exit 1; }
	$(GO) vet ./...

test: deps-test lint
	$(GO) test -race -count=1 ./...

# The Go code of the templ components (web/views/*_templ.go, committed).
generate:
	$(GO) tool templ generate -path web

# Each shipped lab's reference, labs/<id>/README.md, is `labgrid lab doc
# <id>`; a test in labs/ fails when one is out of date.
docs:
	@set -e; for f in labs/*/lab.yaml; do id=$$(basename $$(dirname $$f)); \
	$(GO) run ./cmd/labgrid lab doc $$id > labs/$$id/README.md.tmp; mv labs/$$id/README.md.tmp labs/$$id/README.md; done

# htmx and its SSE extension, pinned, vendored as plain files under
# web/static/vendor/ (see its README). Needs npm; nothing is fetched at run time.
HTMX_VERSION     := 2.0.11
HTMX_SSE_VERSION := 2.2.4
vendor-js:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cd "$$tmp"; npm pack --silent htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION) >/dev/null; \
	mkdir htmx sse; tar -xzf htmx.org-$(HTMX_VERSION).tgz -C htmx; tar -xzf htmx-ext-sse-$(HTMX_SSE_VERSION).tgz -C sse; \
	cd "$(CURDIR)/web/static/vendor"; \
	cp "$$tmp/htmx/package/dist/htmx.min.js" htmx.min.js; cp "$$tmp/htmx/package/LICENSE" htmx.LICENSE; \
	cp "$$tmp/sse/package/dist/sse.min.js" sse.min.js; cp "$$tmp/sse/package/LICENSE" sse.LICENSE; \
	sha256sum htmx.min.js sse.min.js

# axe-core, pinned, for the end-to-end accessibility test only: it lives
# under e2e/testdata/ (see its README), never in what the server embeds.
AXE_VERSION := 4.14.1
vendor-axe:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cd "$$tmp"; npm pack --silent axe-core@$(AXE_VERSION) >/dev/null; \
	tar -xzf axe-core-$(AXE_VERSION).tgz; \
	cd "$(CURDIR)/e2e/testdata"; \
	cp "$$tmp/package/axe.min.js" axe.min.js; cp "$$tmp/package/LICENSE" axe.LICENSE; \
	sha256sum axe.min.js

# Benchmarks whose figures the README quotes.
bench: bench-serve
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./grader/lab/ ./store/ ./web/ ./web/views/

# CPU and memory of an idle `labgrid serve` with 200 simulated students in
# 10 targets scanned every 15 s (80 s: 20 of warm-up, 60 measured).
bench-serve: build
	./scripts/bench-serve.sh ./$(BIN)

# A thousand students on one serve: every student's live stream and 10
# grids while the simulated class changes for 90 s (latency from a result
# stored to its event, updates lost, the serve's memory and CPU), then the
# CPU of the same streams idle. One figure a line, "name: value unit".
bench-load: build
	./scripts/bench-load.sh ./$(BIN)

# A longer fuzz run of the roster parser than the seed corpus `make test` runs.
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=60s ./roster/

run: build
ifeq ($(ROSTER),)
	@[ -n "$$DATABASE_URL" ] || ./scripts/deps.sh run
	./$(BIN) serve --demo
else
	./$(BIN) scan --roster $(ROSTER) --format $(FORMAT)
endif

clean:
	rm -rf bin
