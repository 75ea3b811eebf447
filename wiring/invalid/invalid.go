// Package invalid holds the one error type for input the user got wrong (a
// flag, an argument, a field of a file), found before any request is made.
// Every layer returns it (sender, wiring, the commands) and main turns it into
// exit code 2. It depends on the standard library only, so that sender, which
// knows nothing of Kubernetes, can use it too.
package invalid

import (
	"errors"
	"fmt"
)

// Err matches every *Error with errors.Is.
var Err = errors.New("invalid input")

// Error is a mistake in one input, named by Field ("--sink", "NAME",
// "filters[0].cesql"; empty when the message names it).
type Error struct {
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

// Unwrap gives the cause (fmt.Errorf's %w is kept).
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, Err) match every Error.
func (e *Error) Is(target error) bool { return target == Err }

// Errorf builds an Error about field; format may use %w.
func Errorf(field, format string, args ...any) error {
	return &Error{Field: field, Err: fmt.Errorf(format, args...)}
}
