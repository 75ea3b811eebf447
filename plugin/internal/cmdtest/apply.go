package cmdtest

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
)

// ServeApply makes the fake answer server-side apply, which client-go's fake
// dynamic client refuses, the simplest way: the applied object is created, or
// replaces the stored one whole but for its status (there is no field
// ownership, so no conflicts). What the API server makes of an apply is the
// end-to-end tests' to check; this lets unit tests follow a command past it.
func (f *Factory) ServeApply() {
	f.Dyn.PrependReactor("patch", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p, ok := a.(k8stesting.PatchAction)
		if !ok || p.GetPatchType() != types.ApplyPatchType {
			return false, nil, nil
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(p.GetPatch()); err != nil {
			return true, nil, err
		}
		gvr, ns, tracker := p.GetResource(), p.GetNamespace(), f.Dyn.Tracker()
		u.SetNamespace(ns)
		cur, err := tracker.Get(gvr, ns, p.GetName())
		switch {
		case apierrors.IsNotFound(err):
			err = tracker.Create(gvr, u, ns)
		case err != nil:
			return true, nil, err
		default:
			if c, ok := cur.(*unstructured.Unstructured); ok {
				if status, found := c.Object["status"]; found {
					u.Object["status"] = status
				}
				u.SetUID(c.GetUID())
				u.SetCreationTimestamp(c.GetCreationTimestamp())
			}
			err = tracker.Update(gvr, u, ns)
		}
		if err != nil {
			return true, nil, err
		}
		got, err := tracker.Get(gvr, ns, p.GetName())
		return true, got, err
	})
}
