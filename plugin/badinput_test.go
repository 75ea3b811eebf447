package plugin_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Bad input to the tree itself is refused with exit code 2 and one "error:
// ..." line, before any request: the factory has no cluster. Each noun's own
// bad inputs are in its package's badinput_test.go.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope" for "kubectl kymamesh"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
