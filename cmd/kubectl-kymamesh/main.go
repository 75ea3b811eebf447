// Command kubectl-kymamesh is the kubectl plugin "kubectl kymamesh".
package main

import (
	"context"
	"errors"
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
	// The first SIGINT or SIGTERM cancels the command's context (it stops and
	// reports what it did); a second one ends the process at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel(cmdutil.SignalError{Signal: s})
		s = <-sigs
		os.Exit(cmdutil.SignalError{Signal: s}.ExitCode())
	}()
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	// The API server's warnings read as kubectl prints them; client-go's own log
	// lines stay quiet: what went wrong reaches the user as the command's error.
	rest.SetDefaultWarningHandler(rest.NewWarningWriter(streams.ErrOut, rest.WarningWriterOptions{Deduplicate: true}))
	klog.SetLogger(logr.Discard())
	err := plugin.NewCmdRoot(streams).ExecuteContext(ctx)
	signal.Stop(sigs)
	code := cmdutil.ExitCode(err)
	// A command that failed because a signal stopped it exits 128+signal, as a
	// shell reports a killed process, whatever error the stop surfaced as.
	var sig cmdutil.SignalError
	if err != nil && errors.As(context.Cause(ctx), &sig) {
		code = sig.ExitCode()
	}
	// One "error:" line, or none for a normal stop (tail's Ctrl-C).
	fmt.Fprint(os.Stderr, cmdutil.ErrorLine(err))
	os.Exit(code)
}
