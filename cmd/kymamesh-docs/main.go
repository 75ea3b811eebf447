// Command kymamesh-docs writes the command reference, docs/cmd/*.md, from the
// plugin's cobra tree (make docs); CI fails when the committed files differ.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra/doc"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
)

func main() {
	dir := "docs/cmd"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	root := plugin.NewCmdRoot(genericiooptions.IOStreams{In: os.Stdin, Out: io.Discard, ErrOut: io.Discard})
	root.DisableAutoGenTag = true // no date: the files change only when the commands do
	// Defaults that depend on the machine would make every machine's docs differ.
	if f := root.PersistentFlags().Lookup("cache-dir"); f != nil {
		f.DefValue = "$HOME/.kube/cache"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
