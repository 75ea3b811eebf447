package completion_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to completion is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 1, []cmdtest.BadInput{
		{Args: []string{"completion", "tcsh"}, Want: `SHELL: "tcsh": want bash, zsh, fish or powershell`},
	})
}
