// Package testbed connects Go tests to the project's test bed: a real
// kube-apiserver, kube-controller-manager and Knative Eventing running as local
// processes (see run.sh). Main starts it once per test binary; each test gets a
// fresh namespace and, when it fails, a dump of the namespace's objects and of
// the components' logs.
package testbed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// stateEnv is set by run.sh inside a running test bed.
const stateEnv = "KYMAMESH_TESTBED_STATE"

// Main runs the tests inside the test bed. Outside one, it starts the test bed
// through run.sh with this same test binary as the command, so that one
// `go test` run starts it once and tears it down at the end. KNATIVE_VERSION
// in the environment chooses the Knative release it runs (run.sh).
func Main(m *testing.M) int {
	if os.Getenv(stateEnv) != "" {
		return m.Run()
	}
	_, file, _, _ := runtime.Caller(0)
	runSh := filepath.Join(filepath.Dir(file), "run.sh")
	args := append([]string{runSh}, keepArgs()...)
	args = append(args, "--")
	args = append(args, os.Args...)
	cmd := exec.Command("bash", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		return 1
	}
	return 0
}

// keepArgs passes KYMAMESH_TESTBED_KEEP=DIR on as run.sh's --keep DIR.
func keepArgs() []string {
	if dir := os.Getenv("KYMAMESH_TESTBED_KEEP"); dir != "" {
		return []string{"--keep", dir}
	}
	return nil
}

// KnativeVersion is the knative.dev/eventing version the running test bed
// runs ("v0.50.0"): run.sh exports KNATIVE_VERSION with its default filled in.
func KnativeVersion() string { return os.Getenv("KNATIVE_VERSION") }

// State is the running test bed's state folder (logs, kubeconfigs).
func State() string { return os.Getenv(stateEnv) }

// Kubeconfig is the admin user's kubeconfig.
func Kubeconfig() string { return os.Getenv("KUBECONFIG") }

// RestrictedKubeconfig is the kubeconfig of a user with no RBAC rights.
func RestrictedKubeconfig() string { return os.Getenv("RESTRICTED_KUBECONFIG") }

// HTTPProxy is the test bed's proxy that reaches *.svc.cluster.local addresses.
func HTTPProxy() string { return os.Getenv("TESTBED_HTTP_PROXY") }

// Result is what a command printed and how it ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs a command with the test bed's environment and returns its result;
// a command that cannot start fails the test.
func Run(t testing.TB, env []string, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	res := Result{Stdout: out.String(), Stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s %s: %v", name, strings.Join(args, " "), err)
	}
	return res
}

// Kubectl runs kubectl against the test bed as admin.
func Kubectl(t testing.TB, args ...string) Result {
	t.Helper()
	return Run(t, nil, "kubectl", args...)
}

// MustKubectl runs kubectl and fails the test unless it succeeds.
func MustKubectl(t testing.TB, args ...string) string {
	t.Helper()
	r := Kubectl(t, args...)
	if r.Code != 0 {
		t.Fatalf("kubectl %s: %s", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// Namespace creates a fresh namespace for the test and removes it afterwards;
// if the test failed, the namespace's objects and the components' logs are
// written to the test log first.
func Namespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.Trim(name, "-") + fmt.Sprintf("-%d", time.Now().UnixNano()%100000)
	MustKubectl(t, "create", "namespace", name)
	t.Cleanup(func() {
		if t.Failed() {
			Dump(t, name)
		}
		Kubectl(t, "delete", "namespace", name, "--wait=false")
	})
	return name
}

// Dump writes the namespace's eventing objects and the tail of every component
// log to the test log.
func Dump(t testing.TB, namespace string) {
	t.Helper()
	r := Kubectl(t, "get", "-n", namespace, "-o", "yaml",
		"brokers,triggers,channels.messaging.knative.dev,subscriptions,inmemorychannels,configmaps,deployments,services")
	t.Logf("objects in namespace %s:\n%s%s", namespace, r.Stdout, r.Stderr)
	logs, _ := filepath.Glob(filepath.Join(State(), "*.log"))
	for _, l := range logs {
		data, err := os.ReadFile(l)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 12 {
			lines = lines[len(lines)-12:]
		}
		for i, l := range lines {
			if len(l) > 400 {
				lines[i] = l[:400] + "..."
			}
		}
		t.Logf("last lines of %s:\n%s", filepath.Base(l), strings.Join(lines, "\n"))
	}
}
