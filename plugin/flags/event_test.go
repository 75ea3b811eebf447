package flags

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// The event group builds the event its flags describe, reads --data from a
// file or (where allowed) stdin, and names the first flag given for a
// command that refuses them beside another way of giving the event.
func TestEventFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "d.json")
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	parse := func(stdin bool, args ...string) (*Event, *cobra.Command) {
		t.Helper()
		f := NewEvent("/default", stdin)
		cmd := &cobra.Command{Use: "x"}
		f.AddFlags(cmd, EventHelp{Type: "own type help"})
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		return f, cmd
	}

	f, cmd := parse(true, "--type", "t", "--ext", "region=eu", "--ext", "tier=1", "--subject", "s", "--data", "@"+file)
	if h := cmd.Flags().Lookup("type").Usage; h != "own type help" {
		t.Errorf("--type help %q, want the command's own", h)
	}
	if h := cmd.Flags().Lookup("data").Usage; !strings.Contains(h, "- for stdin") {
		t.Errorf("--data help %q does not offer stdin", h)
	}
	ev, err := f.Build(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type() != "t" || ev.Source() != "/default" || ev.Subject() != "s" || ev.Extensions()["region"] != "eu" || ev.Extensions()["tier"] != "1" || string(ev.Data()) != `{"from":"file"}` || ev.ID() == "" {
		t.Errorf("built %v", ev)
	}
	if g := f.Given(); g != "type" {
		t.Errorf("Given() = %q, want type", g)
	}

	f, _ = parse(true, "--type", "t", "--data", "-")
	if ev, err = f.Build(strings.NewReader(`{"from":"stdin"}`)); err != nil || string(ev.Data()) != `{"from":"stdin"}` {
		t.Errorf("--data - with stdin: %v, %v", ev, err)
	}
	// Where stdin is not the data's (explain -f -), - is the text itself.
	f, cmd = parse(false, "--data", "-", "--type", "t", "--content-type", "text/plain")
	if h := cmd.Flags().Lookup("data").Usage; strings.Contains(h, "stdin") {
		t.Errorf("--data help %q offers stdin", h)
	}
	if ev, err = f.Build(strings.NewReader(`{"from":"stdin"}`)); err != nil || string(ev.Data()) != "-" {
		t.Errorf("--data - without stdin: %v, %v", ev, err)
	}
	if g := f.Given(); g != "type" {
		t.Errorf("Given() = %q, want type (the first in the group's order)", g)
	}
	f, _ = parse(false, "--content-type", "text/plain")
	if g := f.Given(); g != "content-type" {
		t.Errorf("Given() = %q, want content-type", g)
	}
	if f, _ = parse(false); f.Given() != "" {
		t.Errorf("Given() = %q with no flag", f.Given())
	}

	for _, c := range []struct {
		args      []string
		flag, msg string
	}{
		{[]string{"--data", "@/nonexistent/d.json"}, "--data", "/nonexistent/d.json: no such file or directory"},
		{[]string{"--type", "t", "--source", "::"}, "--source", `"::" is not a URI reference`},
		{nil, "--type", "an event type is required"},
	} {
		f, _ := parse(true, c.args...)
		_, err := f.Build(strings.NewReader(""))
		var ie *invalid.Error
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.flag) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: error %v, want a usage error naming %s: %s", c.args, err, c.flag, c.msg)
		}
	}
}
