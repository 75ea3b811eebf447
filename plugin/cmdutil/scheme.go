package cmdutil

import (
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Scheme is built once per process, on first use: commands that print nothing
// never pay for it.
var Scheme = sync.OnceValue(func() *runtime.Scheme { return wiring.NewScheme() })

// ResourceName returns kubectl's "<kind>.<group>/<name>" for obj.
func ResourceName(obj runtime.Object) (string, error) {
	kinds, _, err := Scheme().ObjectKinds(obj)
	if err != nil {
		return "", err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", err
	}
	gk := kinds[0].GroupKind()
	return strings.ToLower(gk.Kind) + dotGroup(gk.Group) + "/" + m.GetName(), nil
}

func dotGroup(g string) string {
	if g == "" {
		return ""
	}
	return "." + g
}
