package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// -n is checked as Kubernetes checks namespace names, before any request.
func TestFactoryRefusesABadNamespace(t *testing.T) {
	flags := NewConfigFlags()
	bad := "Bad_NS"
	flags.Overrides.Context.Namespace = bad
	_, err := NewFactory(flags).Namespace()
	if !errors.Is(err, invalid.Err) || ExitCode(err) != ExitUsage || !strings.HasPrefix(err.Error(), `--namespace: "Bad_NS" is not a valid namespace name`) {
		t.Fatalf("want a usage error naming --namespace, got %v", err)
	}
	good := "orders"
	flags.Overrides.Context.Namespace = good
	if ns, err := NewFactory(flags).Namespace(); err != nil || ns != "orders" {
		t.Fatalf("got %q %v", ns, err)
	}
}
