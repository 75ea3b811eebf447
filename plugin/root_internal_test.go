package plugin

import (
	"io"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// batch builds a line's tree with only the command the line names, found by
// the names listed in commands(): each name must be its command's.
func TestCommandNamesMatchTheirCommands(t *testing.T) {
	s := genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	full := NewCmdRootWithFactory(nil, s, nil)
	for _, c := range commands(nil, s) {
		if got := c.make().Name(); got != c.name {
			t.Errorf("commands() lists %q for the command named %q", c.name, got)
		}
		one := newRoot(nil, s, nil, c.name)
		if len(one.Commands()) != 1 || one.Commands()[0].Name() != c.name {
			t.Errorf("the tree for %q holds %d commands", c.name, len(one.Commands()))
		}
	}
	// Every top-level command is listed (batch is added on its own).
	if len(full.Commands()) != len(commands(nil, s))+1 {
		t.Errorf("the full tree has %d commands, commands() lists %d (+ batch)", len(full.Commands()), len(commands(nil, s)))
	}
	// A name that is no command builds the whole tree, so cobra answers as
	// it would typed alone.
	if got := len(newRoot(nil, s, nil, "trigegr").Commands()); got != len(full.Commands()) {
		t.Errorf("an unknown command built %d commands", got)
	}
}
