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
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// NotReadyError says an object did not become Ready; it carries the object's
// conditions so the user sees why, and what it waits on that does not exist
// (ExplainNotReady), which explains it better than any condition.
type NotReadyError struct {
	Kind, Name string
	Timeout    time.Duration
	Cause      error
	Conditions apis.Conditions
	// Missing names a Broker or Channel the object needs that does not
	// exist, and how to make it.
	Missing error
}

func (e *NotReadyError) Error() string {
	var b strings.Builder
	timedOut := e.Cause == nil || errors.Is(e.Cause, ErrWaitTimeout)
	if timedOut {
		fmt.Fprintf(&b, "%s %q is not ready after %s", e.Kind, e.Name, e.Timeout)
	} else {
		fmt.Fprintf(&b, "%s %q is not ready", e.Kind, e.Name)
	}
	switch {
	case e.Missing != nil:
		fmt.Fprintf(&b, ": %v", e.Missing)
	case !timedOut:
		// Knative reported Ready=False and kept it, or the wait was stopped: say why.
		fmt.Fprintf(&b, ": %v", e.Cause)
	case len(e.Conditions) == 0:
		b.WriteString(noController)
	}
	return b.String()
}

// noController ends the message of an object no controller has touched and
// that lacks nothing ExplainNotReady can see.
const noController = ": it has no conditions: no Knative controller has acted on it; 'kubectl kymamesh doctor' checks the installation"

// Unwrap exposes the cause, so errors.Is(err, context.Canceled) works.
func (e *NotReadyError) Unwrap() error { return e.Cause }

// knativeObject is what every Knative object here has: a generation and the
// common status.
type knativeObject interface {
	GetGeneration() int64
	GetStatus() *duckv1.Status
}

// IsReady says whether obj has Ready=True for its current generation.
func IsReady(obj runtime.Object) bool {
	c := currentReady(obj)
	return c != nil && c.IsTrue()
}

// currentReady returns obj's Ready condition when its status is of the
// object's current generation (an update leaves the old one's in place until
// the controllers catch up), else nil.
func currentReady(obj runtime.Object) *apis.Condition {
	kr, ok := obj.(knativeObject)
	if !ok {
		return nil
	}
	st := kr.GetStatus()
	if st.ObservedGeneration != kr.GetGeneration() {
		return nil
	}
	return st.GetCondition(apis.ConditionReady)
}

// Conditions returns obj's status conditions (nil for other objects).
func Conditions(obj runtime.Object) apis.Conditions {
	if kr, ok := obj.(knativeObject); ok {
		return kr.GetStatus().GetConditions()
	}
	return nil
}

// readyFalseWindow is how long a Ready=False for the current generation may
// last before the wait gives up with its reason: Knative flips conditions
// while it reconciles, but one that stays False is an answer.
const readyFalseWindow = 2 * time.Second

// WaitReady watches the named object until it is Ready for its current
// generation (an update leaves the old generation's Ready=True in place until
// the controllers catch up), and returns the object as last seen. cur is the
// object as created or updated. A Ready=False that lasts readyFalseWindow
// ends the wait early with Knative's reason.
func WaitReady[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], kind string, cur T, timeout time.Duration) (T, error) {
	meta, err := metaOf(cur)
	if err != nil {
		return cur, err
	}
	name := meta.GetName()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last, version := cur, meta.GetResourceVersion()
	var falseSince time.Time
	for !IsReady(last) {
		err = watchReady(wctx, c, name, version, &last, &falseSince)
		if err == nil || !errors.Is(err, errWatchEnded) {
			break
		}
		if m, merr := metaOf(last); merr == nil {
			version = m.GetResourceVersion()
		}
	}
	if IsReady(last) {
		return last, nil
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = ErrWaitTimeout
	}
	// Read the state with a fresh context: the caller's may be the one that
	// ended, and the error should show the latest conditions.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	if got, gerr := c.Get(rctx, name, metav1.GetOptions{}); gerr == nil {
		last = got
	}
	rcancel()
	return last, &NotReadyError{Kind: kind, Name: name, Timeout: timeout, Cause: err, Conditions: Conditions(last)}
}

// errWatchEnded says a watch closed (the server ends them now and then): the
// wait goes on with a new one.
var errWatchEnded = errors.New("the watch ended")

// watchReady follows one watch from version, updating *last, until the
// object is Ready (nil), Ready=False outlasts readyFalseWindow (its reason),
// the object goes, ctx ends, or the watch does (errWatchEnded).
func watchReady[T runtime.Object, L runtime.Object](ctx context.Context, c Client[T, L], name, version string, last *T, falseSince *time.Time) error {
	w, err := c.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: version})
	if apierrors.IsGone(err) || apierrors.IsResourceExpired(err) {
		got, gerr := c.Get(ctx, name, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		*last = got
		return errWatchEnded // watch on from what was just read
	}
	if err != nil {
		return err
	}
	defer w.Stop()
	check := time.NewTicker(250 * time.Millisecond)
	defer check.Stop()
	for {
		if IsReady(*last) {
			return nil
		}
		if cond := readyFalse(*last); cond != nil {
			if falseSince.IsZero() {
				*falseSince = time.Now()
			} else if time.Since(*falseSince) >= readyFalseWindow {
				return fmt.Errorf("%s: %s", cond.Reason, cond.Message)
			}
		} else {
			*falseSince = time.Time{}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-check.C:
		case ev, ok := <-w.ResultChan():
			if !ok {
				return errWatchEnded
			}
			switch ev.Type {
			case watch.Deleted:
				return fmt.Errorf("it was deleted while waiting")
			case watch.Error: // e.g. the version expired: read it and watch on from there
				got, gerr := c.Get(ctx, name, metav1.GetOptions{})
				if gerr != nil {
					return gerr
				}
				*last = got
				return errWatchEnded
			case watch.Added, watch.Modified:
				if obj, ok := ev.Object.(T); ok {
					*last = obj
				}
			}
		}
	}
}

// readyFalse returns the Ready condition when it is False for the object's
// current generation, else nil.
func readyFalse(obj runtime.Object) *apis.Condition {
	if c := currentReady(obj); c != nil && c.IsFalse() {
		return c
	}
	return nil
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
