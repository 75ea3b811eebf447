package wiring

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
	return got, &Change{got, OpCreated}, nil
}

// subscriptionsGVR is Knative's messaging subscriptions resource.
var subscriptionsGVR = schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "subscriptions"}

// integrationKinds are what the mesh puts in an integration namespace: a
// namespace the plugin made is deleted only when none of these is left in it.
var integrationKinds = append([]schema.GroupVersionResource{subscriptionsGVR}, HTTPSourceGVRs...)

// deleteNamespaceIfUnused deletes the namespace if the plugin created it and
// nothing of the mesh is left in it. Objects being deleted, and those this
// run deleted (a dry run deleted nothing), do not count.
func deleteNamespaceIfUnused(ctx context.Context, m Mesh, name string, deleted []Change, dry DryRun) (*Change, error) {
	ns, err := m.Core.Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, APIError(err, "get", "namespace", name, "")
	}
	if ns.Labels[CreatedByLabel] != createdNamespace || ns.DeletionTimestamp != nil {
		return nil, nil
	}
	gone := map[string]bool{"default": true} // every namespace has a "default" ServiceAccount
	for _, c := range deleted {
		if m, err := metaOf(c.Object); err == nil && m.GetNamespace() == name {
			gone[m.GetName()] = true
		}
	}
	for _, gvr := range integrationKinds {
		l, err := m.Dynamic.Resource(gvr).Namespace(name).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, APIError(err, "list", gvr.Resource, "", name)
		}
		for _, o := range l.Items {
			// Owned objects (a Channel's Service) go with their owner.
			if o.GetDeletionTimestamp() == nil && !gone[o.GetName()] && len(o.GetOwnerReferences()) == 0 {
				return nil, nil
			}
		}
	}
	if err := m.Core.Namespaces().Delete(ctx, name, metav1.DeleteOptions{DryRun: dry.serverFlag()}); err != nil && !apierrors.IsNotFound(err) {
		return nil, APIError(err, "delete", "namespace", name, "")
	}
	return &Change{ns, OpDeleted}, nil
}
