package cmdutil

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Exit codes of kubectl-kymamesh; main maps errors to them with ExitCode.
const (
	ExitOK          = 0
	ExitFailure     = 1 // the API or the runtime failed
	ExitUsage       = 2 // the command line or an input was wrong
	ExitFound       = 3 // a check asked for with --exit-code found something (status: broken links)
	ExitInterrupted = 130
)

// SignalError is the cause of a context cancelled by a signal (main sets it).
type SignalError struct{ Signal os.Signal }

func (e SignalError) Error() string { return "interrupted by " + e.Signal.String() }

// ExitCode is 128 plus the signal's number, as shells report it (130 for
// SIGINT, 143 for SIGTERM).
func (e SignalError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitInterrupted
}

// StoppedError is a command's normal stop by a signal (tail's Ctrl-C): the
// process still exits 128+n, as a shell reports a stopped process and as
// "kubectl logs -f" ends, but nothing went wrong, so there is no "error:"
// line (see ErrorLine).
type StoppedError struct{ Cause error }

func (e StoppedError) Error() string { return e.Cause.Error() }

// Unwrap exposes the signal, for the exit code.
func (e StoppedError) Unwrap() error { return e.Cause }

// ErrorLine is the line main prints for err on stderr: "error: MESSAGE" on
// one line, or nothing for a StoppedError (or no error).
func ErrorLine(err error) string {
	var stopped StoppedError
	if err == nil || errors.As(err, &stopped) {
		return ""
	}
	return "error: " + OneLine(err) + "\n"
}

// FoundError is a command's finding that --exit-code turns into ExitFound
// (as git diff --exit-code does): the output was printed, nothing failed.
type FoundError struct{ What string }

func (e FoundError) Error() string { return e.What }

// ExitCode maps an error returned by a command to the process's exit code.
func ExitCode(err error) int {
	var found FoundError
	var sig SignalError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &found):
		return ExitFound
	case errors.As(err, &sig):
		return sig.ExitCode()
	case errors.Is(err, invalid.Err):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailure
}

// ExactArgs is cobra.ExactArgs with a message that names the missing argument
// and a usage exit code.
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return invalid.Errorf("", "%s is required (see '%s -h')", names[len(args)], cmd.CommandPath())
		case len(args) > len(names):
			return invalid.Errorf("", "unexpected argument %q (see '%s -h')", args[len(names)], cmd.CommandPath())
		}
		return nil
	}
}

// NoArgs rejects positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error { return ExactArgs()(cmd, args) }

// FlagErrorFunc makes cobra's flag parsing errors usage errors.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	return invalid.Errorf("", "%w (see '%s -h')", err, cmd.CommandPath())
}

// OneLine flattens an error message to one line: API errors can carry newlines
// (webhook denials list several fields).
func OneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}
