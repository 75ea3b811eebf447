// Command kubectl-kymamesh is the kubectl plugin "kubectl kymamesh".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec and OIDC kubeconfigs
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	// The API server's warnings read as kubectl prints them; client-go's own log
	// lines stay quiet: what went wrong reaches the user as the command's error.
	rest.SetDefaultWarningHandler(rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true}))
	klog.SetLogger(logr.Discard())
	err := plugin.NewCmdRoot(streams).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %s\n", cmdutil.OneLine(err))
	}
	os.Exit(cmdutil.ExitCode(err))
}
