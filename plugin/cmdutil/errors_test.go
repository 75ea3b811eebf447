package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

func TestExitCode(t *testing.T) {
	for want, errs := range map[int][]error{
		ExitOK:          {nil},
		ExitUsage:       {invalid.Errorf("", "bad flag"), invalid.Errorf("--sink", "bad"), fmt.Errorf("wrapped: %w", invalid.Errorf("", "x"))},
		ExitFailure:     {errors.New("boom"), wiring.ErrNotInstalled, &wiring.NotReadyError{Kind: "broker", Name: "b", Cause: wiring.ErrWaitTimeout}},
		ExitInterrupted: {context.Canceled, fmt.Errorf("listing: %w", context.Canceled), StoppedError{Cause: SignalError{Signal: syscall.SIGINT}}},
		143:             {StoppedError{Cause: SignalError{Signal: syscall.SIGTERM}}, fmt.Errorf("x: %w", SignalError{Signal: syscall.SIGTERM})},
	} {
		for _, err := range errs {
			if got := ExitCode(err); got != want {
				t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
			}
		}
	}
}

func TestOneLine(t *testing.T) {
	err := errors.New("admission webhook denied the request:\n  * spec.broker: required\n  * spec.subscriber: required")
	if got := OneLine(err); got != "admission webhook denied the request: * spec.broker: required * spec.subscriber: required" {
		t.Fatalf("got %q", got)
	}
}

// A normal stop (tail's Ctrl-C) prints no "error:" line; any other error one.
func TestErrorLine(t *testing.T) {
	if got := ErrorLine(StoppedError{Cause: SignalError{Signal: syscall.SIGINT}}); got != "" {
		t.Fatalf("a normal stop printed %q", got)
	}
	if got := ErrorLine(errors.New("a\nb")); got != "error: a b\n" {
		t.Fatalf("got %q", got)
	}
	if got := ErrorLine(nil); got != "" {
		t.Fatalf("no error printed %q", got)
	}
}
