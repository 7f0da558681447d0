# aomas — the two commands that matter are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

LOCAL    := $(CURDIR)/.local
BIN      := $(CURDIR)/bin/aomas
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
ENV      := source $(LOCAL)/services.env &&
GOTEST   := go tool gotestsum
# golangci-lint is pinned in its own modfile so its ~200 modules stay out of the build's go.mod.
LINT     := GOLANGCI_LINT_CACHE=$(LOCAL)/cache/golangci-lint go tool -modfile=internal/tools/go.mod golangci-lint
# A count, not a duration: Go 1.26's fuzz coordinator can fail a duration-bounded run with
# "context deadline exceeded" and no crasher on a loaded machine (golang/go#75804).
FUZZTIME ?= 300000x
export AOMAS_ORT_LIB := $(LOCAL)/onnxruntime/libonnxruntime.so.1

.PHONY: help demo test deps services services-down generate check-generate web build vet lint \
        test-go test-chart test-exports test-fuzz test-web test-e2e test-cluster test-cluster-short bench load train clean

help:
	@echo "make demo    install what is missing, start services, migrate, serve SPA + API on http://localhost:8080"
	@echo "make test    the whole suite: Go unit + integration, fuzz (bounded), frontend, browser end-to-end, multi-host"
	@echo "make bench   benchmarks with figures"
	@echo "make test-cluster   the multi-host test in network namespaces, 200 runs (root; make test runs a short form)"
	@echo "make load    load and soak against the local services: report and plot in .local/load/ (LOAD_QUICK=1: one minute; not part of make test)"
	@echo "make train   train the cone and capillary networks on CPU and export internal/models/*.onnx (not part of make test)"
	@echo "make services / services-down   start / stop the local PostgreSQL, Redis and MinIO"

## deps: everything the build and the tests need, installed once and cached under .local/.
deps: $(LOCAL)/onnxruntime/VERSION frontend/node_modules/.installed $(LOCAL)/tools/parquet-reader/node_modules/hyparquet/package.json
	@command -v /usr/bin/chromium >/dev/null || scripts/apt.sh chromium chromium-driver fonts-dejavu-core
	@command -v storescu >/dev/null && command -v dcmodify >/dev/null || scripts/apt.sh dcmtk
	@/usr/bin/python3 -c 'import pydicom' 2>/dev/null || scripts/apt.sh python3-pydicom python3-numpy || true
	@go mod download
	@go mod download -modfile=internal/tools/go.mod
	@cd deploy/helm/charttest && go mod download

$(LOCAL)/onnxruntime/VERSION: scripts/ort.sh
	scripts/ort.sh

# An independent Parquet reader for the export tests, in a private folder (not the SPA's tree).
$(LOCAL)/tools/parquet-reader/node_modules/hyparquet/package.json:
	mkdir -p $(LOCAL)/tools/parquet-reader
	npm install --prefix $(LOCAL)/tools/parquet-reader --no-audit --no-fund --loglevel=error --no-save hyparquet@1.33.0

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

services:
	scripts/services.sh up

services-down:
	scripts/services.sh down

generate:
	go generate ./resolvers

# CI fails when the committed generated code is not what the schema generates.
check-generate:
	@scripts/check-generate.sh

web: frontend/node_modules/.installed
	rm -rf internal/web/dist/assets internal/web/dist/index.html
	cd frontend && npm run build --silent

build: web
	go build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/aomas

vet:
	go vet ./...

lint:
	$(LINT) run ./...

demo: deps services build
	$(ENV) $(BIN) migrate up
	@$(ENV) scripts/demo.sh $(BIN)

test: deps services
	@mkdir -p $(LOCAL)/test && rm -f $(LOCAL)/test/*.json $(LOCAL)/test/*.tap $(LOCAL)/test/phases.txt
	@start=$$(date +%s); status=0; \
	phase() { local t=$$(date +%s); $(MAKE) --no-print-directory "$$@" || status=1; \
		echo "$$* $$(( $$(date +%s) - t ))" >> $(LOCAL)/test/phases.txt; }; \
	phase check-generate vet lint; \
	phase test-go; \
	phase test-chart; \
	phase test-fuzz; \
	phase test-web; \
	phase test-e2e; \
	phase test-cluster-short; \
	python3 scripts/test-summary.py $(LOCAL)/test $$(( $$(date +%s) - start )) || status=1; \
	exit $$status

# Every package runs under the race detector except the numeric ones below, which start no
# goroutines of their own but for imaging's parallelFrames: the detector slows their
# arithmetic 4–8× (imaging 226 s against ~40 s) and could only find races in that one
# helper, which the third line runs under -race through every caller (stack registration
# with and without an automatic reference, B-scan registration and correction, layers).
NORACE_PKGS := github.com/aomas/aomas/imaging github.com/aomas/aomas/internal/drift
IMAGING_RACE := ^(TestRegisterStackStrips|TestAverageFramesSNR|TestOCTPhantomMustShow)$$
test-go:
	@mkdir -p $(LOCAL)/test
	$(ENV) status=0; \
	$(GOTEST) --format pkgname-and-test-fails --jsonfile $(LOCAL)/test/go.json -- -race -count=1 -timeout 15m \
		$$(go list ./... | grep -vxF $(foreach p,$(NORACE_PKGS),-e $(p))) || status=1; \
	$(GOTEST) --format pkgname-and-test-fails --jsonfile $(LOCAL)/test/go-norace.json -- -count=1 -timeout 15m \
		$(NORACE_PKGS) || status=1; \
	$(GOTEST) --format pkgname-and-test-fails --jsonfile $(LOCAL)/test/go-race-parallel.json -- -race -count=1 -timeout 15m \
		-run '$(IMAGING_RACE)' github.com/aomas/aomas/imaging || status=1; \
	exit $$status

# The Helm chart (deploy/helm/aomas): rendered, linted and decoded strictly through the Helm
# Go module, in a module of its own (deploy/helm/charttest) so that Helm's and k8s.io's
# modules stay out of go.mod. gotestsum is the main module's tool, run from its built path.
test-chart:
	@mkdir -p $(LOCAL)/test
	@gotestsum=$$(go tool -n gotestsum) && cd deploy/helm/charttest && \
	$$gotestsum --format pkgname-and-test-fails --jsonfile $(LOCAL)/test/chart.json -- -count=1 -timeout 20m ./...

# The export must-show at full size: 100,000 metric rows to MinIO and a folder, CSV and Parquet.
test-exports: deps services
	$(ENV) AOMAS_EXPORT_TEST_ROWS=100000 go test -count=1 -run 'TestExport' -timeout 20m ./internal/export/

# The multi-host test (issue 19): five network namespaces on a bridge (PostgreSQL, Redis and
# MinIO in one; two servers; two workers), one worker taken off the network and Redis cut from
# one server mid-run. Needs root. `make test` runs it with a few runs; this target with 200.
CLUSTER_RUNS ?= 200
test-cluster: deps
	AOMAS_CLUSTER_RUNS=$(CLUSTER_RUNS) go test -tags cluster -count=1 -v -timeout 60m -run '^TestCluster$$' ./internal/cluster/

test-cluster-short:
	$(GOTEST) --format pkgname-and-test-fails --jsonfile $(LOCAL)/test/cluster.json -- -tags cluster -count=1 -timeout 10m -run '^TestCluster$$' ./internal/cluster/

test-fuzz:
	$(ENV) go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./ingest/
	$(ENV) go test -run '^$$' -fuzz '^FuzzVol$$' -fuzztime $(FUZZTIME) ./ingest/
	$(ENV) go test -run '^$$' -fuzz '^FuzzPDUReader$$' -fuzztime $(FUZZTIME) ./internal/dimse/

test-web: frontend/node_modules/.installed
	cd frontend && npm run --silent lint
	cd frontend && npx vitest run --reporter=default --reporter=json --outputFile.json=$(LOCAL)/test/vitest.json
	$(MAKE) --no-print-directory build

test-e2e:
	$(ENV) scripts/e2e.sh $(BIN) $(LOCAL)/test/e2e.tap

bench: deps services
	$(ENV) scripts/bench.sh

## load: issue 19's load and soak, not part of make test. Settings are LOAD_* variables
## (LOAD_DURATION=10m, LOAD_ANALYSTS=50, LOAD_SCANNERS=10, LOAD_RUNS=500, LOAD_WORKERS=2,
## LOAD_DRAIN_WORKERS=1,2,4, LOAD_QUICK=1 …; internal/bench/load/config.go lists them all).
LOAD_NICE ?= 5
load: deps services
	mkdir -p $(LOCAL)/load
	go build -ldflags "$(LDFLAGS)" -o $(LOCAL)/load/aomas ./cmd/aomas
	go build -o $(LOCAL)/load/load ./internal/bench/load
	$(ENV) nice -n $(LOAD_NICE) $(LOCAL)/load/load

## train: PyTorch (Debian) on the CPU, reproducible from SEED (default 1); see training/README.md.
train:
	training/train.sh

clean:
	rm -rf bin internal/web/dist/assets internal/web/dist/index.html
