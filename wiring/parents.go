package wiring

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// ExplainNotReady looks, after a wait that failed, for what the object waits
// on that does not exist: a Trigger's Broker, a Subscription's Channel or the
// Broker it delivers to. Knative leaves a Trigger of a missing Broker without
// any condition (no controller takes it) and a Subscription of a missing
// Channel Unknown, which would otherwise read as a controller that is not
// running. It returns err with the missing object named (NotReadyError.Missing),
// or err as it is: when nothing is missing, when the wait was stopped, or when
// the look-up fails.
func ExplainNotReady(ctx context.Context, dyn dynamic.Interface, obj runtime.Object, err error) error {
	var nr *NotReadyError
	if dyn == nil || !errors.As(err, &nr) || ctx.Err() != nil || nr.Missing != nil {
		return err
	}
	// A short look on its own deadline: the wait may have used up the caller's.
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, p := range parentsOf(obj) {
		if missing := p.missing(lctx, dyn); missing != nil {
			nr.Missing = missing
			break
		}
	}
	return err
}

// parent is an object another waits on, and how to make it.
type parent struct {
	ref  duckv1.KReference
	make string // the command that creates it
}

// parentsOf lists what obj waits on, in the order Knative needs them.
func parentsOf(obj runtime.Object) []parent {
	var out []parent
	broker := func(name, ns string) parent {
		how := "kubectl kymamesh enable ns " + ns
		if name != "default" {
			how += " --broker " + name
		}
		return parent{duckv1.KReference{Kind: "Broker", APIVersion: "eventing.knative.dev/v1", Name: name, Namespace: ns}, how}
	}
	switch o := obj.(type) {
	case *knapi.Trigger:
		if o.Spec.BrokerRef == nil && o.Spec.Broker != "" {
			out = append(out, broker(o.Spec.Broker, o.Namespace))
		}
	case *knapi.Subscription:
		ch := o.Spec.Channel
		ch.Namespace = o.Namespace
		how := fmt.Sprintf("kubectl kymamesh channel create %s -n %s", ch.Name, ch.Namespace)
		if ch.Kind == "InMemoryChannel" {
			how += " --type imc"
		}
		out = append(out, parent{ch, how})
		if d := o.Spec.Subscriber; d != nil && d.Ref != nil && d.Ref.Kind == "Broker" && d.Ref.APIVersion == "eventing.knative.dev/v1" {
			ns := d.Ref.Namespace
			if ns == "" {
				ns = o.Namespace
			}
			out = append(out, broker(d.Ref.Name, ns))
		}
	}
	return out
}

// missing says, when p does not exist, which object it is and how to make it;
// nil when it exists or when that cannot be told.
func (p parent) missing(ctx context.Context, dyn dynamic.Interface) error {
	var err error
	if p.ref.Kind == "Broker" {
		_, err = (&typed.Eventing{Dyn: dyn}).Brokers(p.ref.Namespace).Get(ctx, p.ref.Name, metav1.GetOptions{})
	} else {
		gvr, gerr := SinkResource(&p.ref)
		if gerr != nil {
			return nil
		}
		_, err = dyn.Resource(gvr).Namespace(p.ref.Namespace).Get(ctx, p.ref.Name, metav1.GetOptions{})
	}
	if !apierrors.IsNotFound(err) || isMissingAPI(err) {
		return nil
	}
	kind := map[string]string{"Broker": "broker", "Channel": "channel", "InMemoryChannel": "channel"}[p.ref.Kind]
	if kind == "" {
		kind = p.ref.Kind
	}
	return fmt.Errorf("%s %q does not exist in namespace %q: create it with '%s'", kind, p.ref.Name, p.ref.Namespace, p.make)
}
