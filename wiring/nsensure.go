package wiring

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// createdNamespace is the CreatedByLabel value on namespaces the plugin made:
// only those does it ever delete.
const createdNamespace = "kubectl-kymamesh"

// EnsureNamespace makes sure namespace name exists before objects go into it.
// A missing one is created (labelled as the plugin's) when create is set;
// otherwise the error says how to create it, naming flag (the flag that would).
// It returns the namespace, and the creation or nil when it was there.
func EnsureNamespace(ctx context.Context, namespaces *typed.NamespaceClient, name, flag string, create bool, dry DryRun) (*corev1.Namespace, *Change, error) {
	cur, err := namespaces.Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return cur, nil, nil
	case !apierrors.IsNotFound(err):
		return nil, nil, APIError(err, "get", "namespace", name, "")
	case !create:
		return nil, nil, fmt.Errorf("namespace %q does not exist: create it with 'kubectl create namespace %s', or add %s", name, name, flag)
	case dry == DryRunServer:
		return nil, nil, fmt.Errorf("namespace %q does not exist, and a server dry run cannot check objects in a namespace it does not create: create it first, or run without --dry-run", name)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: managedLabels(map[string]string{CreatedByLabel: createdNamespace})}}
	got, err := namespaces.Create(ctx, ns, metav1.CreateOptions{FieldManager: ManagedByValue})
	if apierrors.IsAlreadyExists(err) { // made meanwhile by someone else: theirs
		cur, err = namespaces.Get(ctx, name, metav1.GetOptions{})
		return cur, nil, APIError(err, "get", "namespace", name, "")
	}
	if err != nil {
		return nil, nil, APIError(err, "create", "namespace", name, "")
	}
	return got, &Change{Object: got, Op: OpCreated}, nil
}

// dryRunNamespace is the Namespace a client dry run reports among what it
// would create when the namespace is missing (it cannot know; the output
// must apply whole with kubectl apply -f -). It carries no mark of the
// plugin's: applied over an existing namespace, it must not make that
// namespace look like one the plugin created (unwire would delete it).
func dryRunNamespace(name string) Change {
	return Change{Object: &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: name}}, Op: OpCreated}
}
