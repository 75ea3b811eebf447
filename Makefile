# kubectl-kymamesh: `make demo` shows the mesh working on a local test bed,
# `make test` runs every test (unit, then end-to-end on the test bed).
GO ?= go
BIN ?= bin

.PHONY: lint cross tidy-check knapi-upstream generate generate-check build image release-check release-snapshot test test-unit test-faults test-e2e testbed demo sandbox vet docs check-docs bench bench-dataplane clean

# kubectl (1.26+) completes plugin commands through kubectl_complete-<plugin> on PATH.
build:
	$(GO) build -trimpath -ldflags "-s -w" -o $(BIN)/kubectl-kymamesh ./cmd/kubectl-kymamesh
	printf '#!/bin/sh\nexec kubectl-kymamesh __complete "$$@"\n' > $(BIN)/kubectl_complete-kymamesh
	chmod +x $(BIN)/kubectl_complete-kymamesh

# The command reference, docs/cmd/*.md, from the cobra tree.
docs:
	rm -rf docs/cmd
	$(GO) run ./cmd/kymamesh-docs docs/cmd

# Fails when docs/cmd differs from what the commands say (CI runs it).
check-docs: docs
	@git diff --quiet -- docs/cmd && [ -z "$$(git status --porcelain -- docs/cmd)" ] || \
		{ git status --short -- docs/cmd; echo "docs/cmd is stale: run make docs and commit it" >&2; exit 1; }

# The adapter's image as an OCI layout and tarball, built offline (no engine,
# no registry): dist/image and dist/kymamesh-adapter-image.tar.
VERSION ?= dev
image:
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o dist/kymamesh-adapter ./cmd/kymamesh-adapter
	rm -rf dist/image
	$(GO) run ./cmd/kymamesh-image -binary dist/kymamesh-adapter -version $(VERSION) -arch $$($(GO) env GOARCH) -out dist/image -tar dist/kymamesh-adapter-image.tar

# goreleaser, pinned; installed from the Go module proxy when missing.
GORELEASER_VERSION ?= v2.15.1
GORELEASER = $(shell $(GO) env GOPATH)/bin/goreleaser
$(GORELEASER):
	$(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

# The release configuration checked and exercised without publishing: the
# whole release (archives, checksums) for this machine's platform only, then
# the archive's files and the version stamped in both binaries (CI runs this).
release-check: $(GORELEASER)
	$(GORELEASER) check
	mkdir -p .cache
	sed -e 's/goos: \[linux, darwin, windows\]/goos: [linux]/' -e "s/goarch: \[amd64, arm64\]/goarch: [$$($(GO) env GOARCH)]/" \
		.goreleaser.yaml > .cache/goreleaser-host.yaml
	$(GORELEASER) release --snapshot --clean --skip=publish,ko --config .cache/goreleaser-host.yaml
	@files=$$(tar tzf dist/kubectl-kymamesh_linux_$$($(GO) env GOARCH).tar.gz | sort | tr '\n' ' ') && echo "archive: $$files" && \
		[ "$$files" = "CHANGELOG.md LICENSE README.md docs/usage.md kubectl-kymamesh kubectl_complete-kymamesh " ] || \
		{ echo "the archive does not hold what it should" >&2; exit 1; }
	@v=$$(dist/kubectl-kymamesh_linux_*/kubectl-kymamesh version) && echo "$$v" && case "$$v" in *SNAPSHOT*) ;; *) echo "version not stamped" >&2; exit 1;; esac
	@v=$$(dist/kymamesh-adapter_linux_*/kymamesh-adapter --version) && echo "$$v" && case "$$v" in *SNAPSHOT*) ;; *) echo "adapter version not stamped" >&2; exit 1;; esac

# Every platform's archives, as a release would make them (not published).
release-snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean --skip=publish,ko

vet:
	$(GO) vet ./...
	$(GO) vet -tags "e2e faults" ./test/...

# golangci-lint, pinned; installed from the Go module proxy when missing.
# .golangci.yaml says which linters and why.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT = $(shell $(GO) env GOPATH)/bin/golangci-lint
$(GOLANGCI_LINT):
	$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...
	$(GOLANGCI_LINT) run --build-tags "e2e faults" ./test/...

# Contributors work on macOS and Windows too: everything compiles and vets there
# (vet type-checks and compiles every package; the test bed's Linux-only parts
# are behind build tags).
cross:
	for os in darwin windows; do GOOS=$$os $(GO) vet ./... || exit 1; done

# go.mod and go.sum say exactly what the code needs (the newer Knative
# release's round-trip module too).
tidy-check:
	$(GO) mod tidy
	cd test/knapi/$(KNATIVE_NEWEST) && $(GO) mod tidy
	@git diff --quiet -- go.mod go.sum test/knapi || { git diff -- go.mod go.sum test/knapi; echo "go.mod/go.sum are not tidy: run go mod tidy and commit them" >&2; exit 1; }

# wiring/knapi's deep copies (zz_generated.deepcopy.go) from its
# +k8s:deepcopy-gen markers, by k8s.io/code-generator's deepcopy-gen, pinned at
# go.mod's k8s.io/client-go version (generate-check holds that). It runs with
# `go run pkg@version`, so it is not one of the module's dependencies.
DEEPCOPY_GEN_VERSION ?= v0.32.2
DEEPCOPY_GEN = $(GO) run k8s.io/code-generator/cmd/deepcopy-gen@$(DEEPCOPY_GEN_VERSION) \
	--go-header-file wiring/knapi/boilerplate.go.txt --output-file zz_generated.deepcopy.go ./wiring/knapi

generate:
	$(DEEPCOPY_GEN)

# Regenerates into a copy of the package (with go.mod and go.sum; the package
# imports nothing else of this module) and fails when the committed file
# differs (CI runs it).
generate-check:
	@v=$$($(GO) list -m -f '{{.Version}}' k8s.io/client-go) && [ "$$v" = "$(DEEPCOPY_GEN_VERSION)" ] || \
		{ echo "DEEPCOPY_GEN_VERSION $(DEEPCOPY_GEN_VERSION) is not go.mod's k8s.io/client-go $$v: set it in the Makefile and run make generate" >&2; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir -p "$$tmp/wiring/knapi" && cp go.mod go.sum "$$tmp/" && \
		cp wiring/knapi/*.go wiring/knapi/boilerplate.go.txt "$$tmp/wiring/knapi/" && rm -f "$$tmp/wiring/knapi/zz_generated.deepcopy.go" && \
		(cd "$$tmp" && $(DEEPCOPY_GEN)) && \
		{ cmp -s "$$tmp/wiring/knapi/zz_generated.deepcopy.go" wiring/knapi/zz_generated.deepcopy.go || \
		{ echo "wiring/knapi/zz_generated.deepcopy.go is stale: run make generate and commit it" >&2; exit 1; }; }

# The Knative Eventing releases the plugin supports: the newest (the test bed's
# default) and the oldest (go.mod's, whose types wiring/knapi's round-trip
# test compares with); test/testbed/knative/versions.sh says the same.
KNATIVE_NEWEST ?= v0.50.0
KNATIVE_OLDEST ?= v0.45.0

# wiring/knapi's types against the newest release's upstream types: its module
# (test/knapi/VERSION) writes that release's objects as JSON, the plugin's
# round-trip test reads them (CI runs it).
knapi-upstream:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		(cd test/knapi/$(KNATIVE_NEWEST) && $(GO) vet . && $(GO) run . -n 300 "$$tmp") && \
		KNAPI_UPSTREAM_CORPUS=$$tmp $(GO) test -count=1 -run TestNewerUpstreamObjectsRoundTrip -v ./wiring/knapi

test: vet test-unit knapi-upstream test-faults test-e2e

# With the race detector: concurrent senders, pools and handlers are most of the data plane.
test-unit:
	$(GO) test -race ./...

# The adapter under a send load while its sink fails in five ways, and stopped
# mid-load; joins per event id what was acknowledged with what arrived
# (docs/reliability.md). Loopback only, about a minute.
test-faults:
	$(GO) test -tags faults -count=1 -timeout 10m -v ./test/faults/

# Starts the test bed once (TestMain) and runs the e2e suite against it, on the
# newest Knative Eventing release, then on the oldest supported one. The
# oldest's test bed builds (niced, in the background) while the newest is
# tested: the suite mostly waits on Knative, so a cold run gains the build's
# time (README, "Cold CI"); its test bed waits for the build (build.sh's lock).
# On the oldest, the suite runs E2E_OLDEST_RUN only, for time (cold CI must stay
# under 45 minutes; README, "Cold CI"): the tests whose subject is what Knative
# admits, reconciles and delivers (its webhooks, the broker filter, Trigger and
# Channel delivery, status fields, defaults, dead-letter sinks, finalizers, EventPolicy
# and feature flags, a migration under load). The rest is Kubernetes or the plugin
# itself, the same on both test beds. A new test of Knative's behaviour belongs here.
# The OIDC test switches Knative's OIDC on for a whole test bed: it runs alone, on its own.
# The test through a real ingress controller (Traefik) runs last, on the newest
# release: Traefik's build (long, niced) starts in the background once the
# newest test bed is built, and that run waits for it (KYMAMESH_TESTBED_INGRESS=1).
E2E_OLDEST_RUN ?= ^(TestExactAndCESQLFiltersBothApply|TestTriggerDeliversMatchingEventsOnly|TestTriggerWebhookRejects|TestTriggerUpdateFilters|TestTriggerDryRuns|TestOwnTypesPassTheWebhookAndReadBackWhole|TestUpdateKeepsFieldsTheTypesLack|TestExplainPredictsKnative|TestWireSendUnwire|TestChannelAndSubscriptionDeliver|TestChannelToBrokerWiring|TestStatusShowsEachBrokenLinkWithItsFix|TestDoctorReportsKnativeVersionFlagsAndControllers|TestNamespaceDefaultsReachKnative|TestRetryAfterMaxNamesItsFeatureFlag|TestBrokerMigrateUnderLoad|TestDeadLetterStoreKeepsAndReplays|TestPolicyAllowOnAClusterWithoutOIDC|TestNamespaceDeletionCompletes|TestMessagesNameTheRealCause|TestBrokerLifecycle|TestBrokerDryRunServer)$$
test-e2e:
	KNATIVE_VERSION=$(KNATIVE_NEWEST) bash test/testbed/build.sh >/dev/null
	@mkdir -p .cache; nice -n 19 bash test/testbed/traefik/build.sh >.cache/traefik-build.log 2>&1 &
	@mkdir -p .cache; KNATIVE_VERSION=$(KNATIVE_OLDEST) nice -n 19 bash test/testbed/build.sh >.cache/testbed-build-oldest.log 2>&1 & \
	KNATIVE_VERSION=$(KNATIVE_NEWEST) $(GO) test -tags e2e -count=1 -timeout 30m -v -skip 'ThroughTraefik$$' ./test/e2e/ && \
	KNATIVE_VERSION=$(KNATIVE_NEWEST) KYMAMESH_E2E_OIDC=1 $(GO) test -tags e2e -count=1 -timeout 10m -v -run TestPolicyAllowWithOIDCOn ./test/e2e/; \
	rc=$$?; wait $$! || { echo "building the $(KNATIVE_OLDEST) test bed failed:" >&2; tail -n 30 .cache/testbed-build-oldest.log >&2; exit 1; }; exit $$rc
	KNATIVE_VERSION=$(KNATIVE_OLDEST) $(GO) test -tags e2e -count=1 -timeout 30m -v -run '$(E2E_OLDEST_RUN)' ./test/e2e/
	KNATIVE_VERSION=$(KNATIVE_OLDEST) KYMAMESH_E2E_OIDC=1 $(GO) test -tags e2e -count=1 -timeout 10m -v -run TestPolicyAllowWithOIDCOn ./test/e2e/
	KNATIVE_VERSION=$(KNATIVE_NEWEST) KYMAMESH_TESTBED_INGRESS=1 $(GO) test -tags e2e -count=1 -timeout 30m -v -run 'ThroughTraefik$$' ./test/e2e/

# Builds the test bed's binaries into the cache folder (once per Knative
# release), and kubectl if the machine has none recent enough.
testbed:
	bash test/testbed/deps.sh
	bash test/testbed/kubectl.sh
	KNATIVE_VERSION=$(KNATIVE_NEWEST) bash test/testbed/build.sh
	KNATIVE_VERSION=$(KNATIVE_OLDEST) bash test/testbed/build.sh
	bash test/testbed/traefik/build.sh

# The plugin's weight beside kubectl (size, start-up, memory, trigger list on
# the test bed) and the API requests per command; docs/benchmarks.md.
bench:
	bash test/testbed/run.sh -- bash -c 'bash test/bench/weigh.sh && bash test/bench/depcost.sh && $(GO) test -tags e2e -count=1 -run TestRequestsPerCommand -v ./test/e2e/ | sed -n "/requests per command:/,/^---/p"'

# The data plane's throughput: send and the adapter as ratios to hey.
bench-dataplane:
	bash test/bench/run.sh

demo:
	bash test/testbed/run.sh -- bash docs/demo.sh

# A shell inside a running test bed; `kubectl kymamesh ...` works there.
sandbox:
	bash test/testbed/run.sh -- bash -i

clean:
	rm -rf $(BIN)
