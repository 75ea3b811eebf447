package version_test

import (
	"encoding/json"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestVersionNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	r := cmdtest.Run(t.Context(), f, "", "version", "-o", "json")
	var v struct{ Version, GoVersion, Platform string }
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v.Version == "" || v.Platform == "" {
		t.Fatalf("version -o json: %v %+v", err, r)
	}
}
