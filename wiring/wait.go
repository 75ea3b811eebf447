package wiring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	knwait "knative.dev/client/pkg/wait"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// NotReadyError says an object did not become Ready; it carries the object's
// conditions so the user sees why.
type NotReadyError struct {
	Kind, Name string
	Timeout    time.Duration
	Cause      error
	Conditions apis.Conditions
}

func (e *NotReadyError) Error() string {
	var b strings.Builder
	if e.Cause != nil && !errors.Is(e.Cause, ErrWaitTimeout) {
		// Knative reported Ready=False and kept it: say why instead of "timed out".
		fmt.Fprintf(&b, "%s %q is not ready: %v", e.Kind, e.Name, e.Cause)
	} else {
		fmt.Fprintf(&b, "%s %q is not ready after %s", e.Kind, e.Name, e.Timeout)
	}
	if len(e.Conditions) == 0 {
		b.WriteString(": it has no conditions yet (is the Knative controller running?)")
	}
	return b.String()
}

// Unwrap exposes the cause, so errors.Is(err, context.Canceled) works.
func (e *NotReadyError) Unwrap() error { return e.Cause }

// IsReady says whether obj has Ready=True for its current generation.
func IsReady(obj runtime.Object) bool {
	kr, ok := obj.(duckv1.KRShaped)
	if !ok {
		return false
	}
	st := kr.GetStatus()
	if st.ObservedGeneration != kr.GetGeneration() {
		return false
	}
	c := st.GetCondition(apis.ConditionReady)
	return c != nil && c.IsTrue()
}

// Conditions returns obj's status conditions (nil for other objects).
func Conditions(obj runtime.Object) apis.Conditions {
	if kr, ok := obj.(duckv1.KRShaped); ok {
		return kr.GetStatus().GetConditions()
	}
	return nil
}

// WaitReady watches the named object until it is Ready for its current
// generation, using knative client's waiter; the object as last seen is
// returned. cur is the object as created or updated. The waiter goes by the
// Ready condition alone, which an update leaves True until the controllers
// see the new generation: a Ready that the object, read again, does not
// confirm for its generation is waited past, within the same timeout.
func WaitReady[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], kind string, cur T, timeout time.Duration) (T, error) {
	meta, err := metaOf(cur)
	if err != nil {
		return cur, err
	}
	watchMaker := func(ctx context.Context, name, version string, t time.Duration) (watch.Interface, error) {
		secs := int64(t.Seconds()) + 1
		return c.Watch(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: version, TimeoutSeconds: &secs,
		})
	}
	extract := func(obj runtime.Object) (apis.Conditions, error) { return Conditions(obj), nil }
	deadline := time.Now().Add(timeout)
	version, last := meta.GetResourceVersion(), cur
	for {
		if !IsReady(last) {
			remaining := time.Until(deadline)
			if remaining <= 0 {
				err = ErrWaitTimeout
			} else {
				waiter := knwait.NewWaitForReady(kind, watchMaker, extract)
				window := 2 * time.Second
				err, _ = waiter.Wait(ctx, meta.GetName(), version, knwait.Options{Timeout: &remaining, ErrorWindow: &window}, knwait.NoopMessageCallback())
			}
		}
		// Read the state with a fresh context: the caller's may be the one that ended.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		got, gerr := c.Get(rctx, meta.GetName(), metav1.GetOptions{})
		cancel()
		if gerr != nil {
			return last, errors.Join(err, gerr)
		}
		last = got
		if IsReady(last) {
			return last, nil
		}
		if err != nil || time.Now().After(deadline) {
			break
		}
		if m, merr := metaOf(last); merr == nil {
			version = m.GetResourceVersion() // watch on from what was just read
		}
		time.Sleep(100 * time.Millisecond) // the waiter's Ready was for an older generation
	}
	if err != nil && strings.HasPrefix(err.Error(), "timeout:") {
		err = ErrWaitTimeout
	}
	return last, &NotReadyError{Kind: kind, Name: meta.GetName(), Timeout: timeout, Cause: err, Conditions: Conditions(last)}
}

// metaOf returns obj's object metadata.
func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return m, nil
}

// WaitDeleted watches the named object until it is gone (finalizers done),
// for up to timeout.
func WaitDeleted[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], kind, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cur, err := c.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	meta, err := metaOf(cur)
	if err != nil {
		return err
	}
	w, err := c.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: meta.GetResourceVersion()})
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok { // the watch ended early: look once more
				if _, err := c.Get(ctx, name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
					return nil
				}
				return fmt.Errorf("%s %q: the watch ended before it was gone", kind, name)
			}
			if ev.Type == watch.Deleted {
				return nil
			}
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s %q is still there after %s: %w", kind, name, timeout, ErrWaitTimeout)
			}
			return ctx.Err()
		}
	}
}
