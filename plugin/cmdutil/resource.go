package cmdutil

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Kind describes one resource the plugin manages, so that list, describe and
// delete are written once for all of them.
type Kind[T runtime.Object, L runtime.Object] struct {
	Singular, Plural string // "trigger", "triggers"
	Resource         string // "trigger.eventing.knative.dev", for messages
	Client           func(f Factory, namespace string) (wiring.Client[T, L], error)
	Items            func(L) []T
	// Columns come after NAME; the table adds READY, REASON and AGE itself.
	Columns, WideColumns []string
	Row                  func(obj T, wide bool) []string
	// Fields are the describe view's key fields after name and namespace.
	Fields func(obj T) []output.Field
}

// readyColumns returns an object's READY and REASON cells.
func readyColumns(obj runtime.Object) (string, string) {
	for _, c := range wiring.Conditions(obj) {
		if c.Type == "Ready" {
			return string(c.Status), c.Reason
		}
	}
	return "Unknown", ""
}

func objectMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		// Every Kind's type has object metadata; reaching this is a programming error.
		panic(err)
	}
	return m
}

// Pointers returns pointers to a typed list's items (a Kind's Items).
func Pointers[E any](items []E) []*E {
	out := make([]*E, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
