package batch_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/batch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// connectionFlags registers flags of the kinds kubectl's connection flags
// have on root (a repeatable string array like --as-group, a string, a bool,
// a comma list) and returns a function that prints their values.
func connectionFlags(root *cobra.Command) func() string {
	fl := root.PersistentFlags()
	groups := fl.StringArray("as-group", nil, "")
	user := fl.String("as", "", "")
	insecure := fl.Bool("insecure-skip-tls-verify", false, "")
	list := fl.StringSlice("list", nil, "")
	return func() string { return fmt.Sprintf("%q %q %v %q", *groups, *user, *insecure, *list) }
}

// Every flag given to batch reaches each line exactly as typed: a string
// array's values one by one (not "[g1]"), commas inside kept; a line that
// gives a flag itself has its own value, not batch's added to it.
func TestInheritedFlagsReachEachLineAsTyped(t *testing.T) {
	newRoot := func(s genericiooptions.IOStreams, _ string) *cobra.Command {
		root := &cobra.Command{Use: "kymamesh", SilenceErrors: true, SilenceUsage: true}
		show := connectionFlags(root)
		root.AddCommand(&cobra.Command{Use: "show", RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(s.Out, show())
			return err
		}})
		return root
	}
	var out, errOut bytes.Buffer
	s := genericiooptions.IOStreams{In: strings.NewReader("show\nshow --as-group g3 --as v --list c\n"), Out: &out, ErrOut: &errOut}
	root := &cobra.Command{Use: "kymamesh", SilenceErrors: true, SilenceUsage: true}
	connectionFlags(root)
	root.AddCommand(batch.NewCmd(cmdtest.NewFactory("shop"), s, newRoot))
	root.SetArgs([]string{"batch", "-f", "-", "--as-group", "g1", "--as-group", "g,2", "--as", "u", "--insecure-skip-tls-verify", "--list", "a", "--list", "b"})
	if err := root.Execute(); err != nil {
		t.Fatalf("%v (stderr %q)", err, errOut.String())
	}
	want := `1 ok: ["g1" "g,2"] "u" true ["a" "b"]` + "\n" + `2 ok: ["g3"] "v" true ["c"]` + "\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
