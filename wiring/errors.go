package wiring

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// ErrInvalid marks errors in what the user asked for (as opposed to failures of
// the cluster): the CLI turns them into usage errors with exit code 2.
var ErrInvalid = invalid.Err

// ErrNotInstalled says the Knative Eventing API is missing on the cluster; the
// message starts with the product's name, hence the capital letter.
var ErrNotInstalled = errors.New("Knative Eventing is not installed (eventing.knative.dev/v1 not found)")

// ErrWaitTimeout is returned when an object did not become Ready in time.
var ErrWaitTimeout = errors.New("timed out waiting for the condition")

// InvalidError is a validation error about one field or input.
type InvalidError = invalid.Error

// Invalidf builds an InvalidError for field.
func Invalidf(field, format string, args ...any) error {
	return invalid.Errorf(field, format, args...)
}

// APIError turns an API failure into a one-line message that names the verb,
// resource and namespace; a missing Knative CRD becomes ErrNotInstalled.
func APIError(err error, verb, resource, name, namespace string) error {
	if err == nil || errors.Is(err, ErrInvalid) {
		return err
	}
	what := resource
	if name != "" {
		what = fmt.Sprintf("%s %q", resource, name)
	}
	where := ""
	if namespace != "" {
		where = fmt.Sprintf(" in namespace %q", namespace)
	}
	switch {
	case isMissingAPI(err):
		return ErrNotInstalled
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: cannot %s %s%s: %w", verb, what, where, trimForbidden(err))
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s not found%s: %w", what, where, err)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s already exists%s: %w", what, where, err)
	}
	return fmt.Errorf("cannot %s %s%s: %w", verb, what, where, err)
}

// isMissingAPI tells a 404 for the resource type (no CRD) from one for a named object.
func isMissingAPI(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	// An object that does not exist is named in the message; a missing resource
	// type gets the API server's generic answer instead.
	s := st.Status()
	return s.Code == 404 && s.Reason == metav1.StatusReasonNotFound &&
		strings.Contains(s.Message, "could not find the requested resource")
}

// trimForbidden keeps the API server's reason but drops its long prefix.
func trimForbidden(err error) error {
	return errors.New(strings.TrimSpace(strings.TrimPrefix(err.Error(), "forbidden:")))
}
