package cmdtest

import (
	"strings"
	"testing"
)

// Expect runs "kubectl kymamesh ARGS" against f and fails the test unless
// stdout, stderr and the exit code are exactly the ones given. ARGS is split
// as SplitArgs does.
func Expect(t testing.TB, f *Factory, args string, code int, stdout, stderr string) Result {
	t.Helper()
	return ExpectIn(t, f, "", args, code, stdout, stderr)
}

// ExpectIn is Expect with stdin.
func ExpectIn(t testing.TB, f *Factory, stdin, args string, code int, stdout, stderr string) Result {
	t.Helper()
	r := Run(t.Context(), f, stdin, SplitArgs(args)...)
	if r.Code != code || r.Stdout != stdout || r.Stderr != stderr {
		t.Fatalf("kubectl kymamesh %s:\nwant exit %d, stdout %q, stderr %q\ngot  exit %d, stdout %q, stderr %q",
			args, code, stdout, stderr, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// SplitArgs splits on "|" when the line holds one (for arguments with
// spaces), else on spaces.
func SplitArgs(s string) []string {
	if strings.Contains(s, "|") {
		return strings.Split(s, "|")
	}
	return strings.Fields(s)
}

// ExpectUsageError runs args (with kubectl's connection flags on the root, as
// main has them) on a factory without a cluster and fails the test unless the
// command is refused as bad input before any request: exit code 2, nothing on
// stdout, and one "error: ..." line on stderr that holds want. A pseudo
// argument "--stdin=TEXT" among args is the command's stdin.
func ExpectUsageError(t testing.TB, want string, args ...string) {
	t.Helper()
	args, stdin := splitStdin(args)
	f := NewFactory("demo")
	f.NoCluster = true
	r := RunWithConnectionFlags(t.Context(), f, stdin, args...)
	if r.Code != 2 {
		t.Fatalf("want exit 2, got %d (stdout %q, stderr %q)", r.Code, r.Stdout, r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("want nothing on stdout, got %q", r.Stdout)
	}
	if !strings.HasPrefix(r.Stderr, "error: ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("want one 'error: ...' line, got %q", r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Fatalf("want %q in %q", want, r.Stderr)
	}
}

// splitStdin takes a pseudo-argument "--stdin=TEXT" out of args.
func splitStdin(args []string) ([]string, string) {
	var out []string
	stdin := ""
	for _, a := range args {
		if s, ok := strings.CutPrefix(a, "--stdin="); ok {
			stdin = s
			continue
		}
		out = append(out, a)
	}
	return out, stdin
}

// BadInput is a command line and what its one error line must hold.
type BadInput struct {
	Args []string
	Want string
}

// ExpectUsageErrors runs each case as a subtest of ExpectUsageError. A table
// shorter than least fails, so that rows cannot go missing unnoticed.
func ExpectUsageErrors(t *testing.T, least int, cases []BadInput) {
	t.Helper()
	if len(cases) < least {
		t.Fatalf("the table must hold at least %d bad inputs, has %d", least, len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.Args, " "), func(t *testing.T) { ExpectUsageError(t, tc.Want, tc.Args...) })
	}
}
