//go:build faults

// Package faults runs kymamesh-adapter under a `kubectl kymamesh send` load
// while its sink misbehaves (killed and restarted, failing, hanging, hanging
// up, sending interim answers) or the adapter itself is stopped, and joins,
// per event id, what send saw acknowledged with what the sink received. All
// traffic stays on 127.0.0.1; every run is bounded in count and time.
// Run: go test -tags faults -count=1 -v ./test/faults (make test-faults).
package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// bin holds the adapter and plugin binaries built for this run.
var bin string

func TestMain(m *testing.M) {
	// The test binary is also the fault sink: the kill case needs a process
	// that can be SIGKILLed and started again.
	if os.Getenv(sinkModeEnv) != "" {
		os.Exit(runSink())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kymamesh-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/kymamesh-adapter", "./cmd/kubectl-kymamesh")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: building the binaries:", err)
		return 1
	}
	bin = dir
	return m.Run()
}
