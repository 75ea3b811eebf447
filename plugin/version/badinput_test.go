package version_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to version is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 1, []cmdtest.BadInput{
		{Args: []string{"version", "-o", "wide"}, Want: `--output: "wide": want json or yaml`},
	})
}
