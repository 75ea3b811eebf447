package version_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to version is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"version", "-o", "wide"}, `--output: "wide": want json or yaml`},
	}
	if len(cases) < 1 {
		t.Fatalf("the table must hold at least 1 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
