# labgrid: `make run` and `make test` are all a newcomer needs.
GO      ?= go
BIN     := bin/labgrid
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# `make run` scans the simulated demo class; `make run ROSTER=class.csv`
# scans a real class with the machine's AWS settings.
ROSTER  ?=
FORMAT  ?= table

.PHONY: build test lint bench fuzz run clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/labgrid

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	$(GO) test -race -count=1 ./...

# Benchmarks whose figures the README quotes.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./grader/ ./store/

# A longer fuzz run of the roster parser than the seed corpus `make test` runs.
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParseRoster -fuzztime=60s ./grader/

run: build
ifeq ($(ROSTER),)
	./$(BIN) scan --demo --format $(FORMAT)
else
	./$(BIN) scan --roster $(ROSTER) --format $(FORMAT)
endif

clean:
	rm -rf bin
