//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// namespaceAdmin gives the test bed's restricted user every right in ns and
// none elsewhere, as a platform team gives a namespace to a team; with
// readDefaults it may also read (never change) the ConfigMaps in Knative's
// system namespace.
func namespaceAdmin(t *testing.T, ns string, readDefaults bool) {
	t.Helper()
	applyYAML(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: team-admin, namespace: `+ns+`}
rules:
- apiGroups: ["", "apps", "eventing.knative.dev", "messaging.knative.dev", "sources.knative.dev", "flows.knative.dev"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-admin, namespace: `+ns+`}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: team-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted}
`)
	if !readDefaults {
		return
	}
	applyYAML(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-defaults-`+ns+`, namespace: knative-eventing}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-defaults-`+ns+`, namespace: knative-eventing}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-defaults-`+ns+`}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted}
`)
	t.Cleanup(func() {
		testbed.Kubectl(t, "delete", "-n", "knative-eventing", "role,rolebinding", "read-defaults-"+ns)
	})
}

// A namespace admin disables a namespace a cluster admin enabled with
// namespace defaults. What the plugin made in the namespace goes; the
// namespace's entry in Knative's defaults, which only a cluster admin may
// change, stays, and the output says so in a kept line naming the entry and
// what to do, never silently. Where the user cannot even read the defaults,
// the output still names the entry the namespace's own mark says is there.
func TestDisableNamespaceAsNamespaceAdmin(t *testing.T) {
	for _, readDefaults := range []bool{true, false} {
		name := "cannot read defaults"
		if readDefaults {
			name = "may read defaults"
		}
		t.Run(name, func(t *testing.T) {
			ns := testbed.Namespace(t)
			mustKM(t, "enable", "ns", ns, "--retry", "3")
			namespaceAdmin(t, ns, readDefaults)

			// status shows the namespace's Broker and says what it may not
			// read (the integration namespace), rather than failing.
			r := km(t, "status", "-n", ns, "--kubeconfig", testbed.RestrictedKubeconfig())
			if r.Code != 0 || !strings.Contains(r.Stdout, "broker default") || !strings.Contains(r.Stdout, `Not shown: applications in namespace "kyma-integration": you may not list them`) {
				t.Fatalf("status as the namespace's admin: %s", r)
			}

			r = km(t, "disable", "ns", ns, "--kubeconfig", testbed.RestrictedKubeconfig())
			t.Logf("disable as namespace admin:\n%s", r)
			if r.Code != 0 {
				t.Fatalf("disable ns as the namespace's admin failed: %s", r)
			}
			if !strings.Contains(r.Stdout, "broker.eventing.knative.dev/default deleted") {
				t.Fatalf("disable ns did not delete the Broker it made: %s", r)
			}
			if !strings.Contains(r.Stdout+r.Stderr, "namespaceDefaults."+ns) {
				t.Fatalf("disable ns left the namespace's entry in config-br-defaults without a word: %s", r)
			}
			value, _ := field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config").(string)
			if !strings.Contains(value, ns+":") {
				t.Fatalf("the restricted user changed config-br-defaults:\n%s", value)
			}
			// The cluster admin finishes the job: the entry goes, and only it.
			r = mustKM(t, "disable", "ns", ns)
			value, _ = field(getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing"), "data", "default-br-config").(string)
			if strings.Contains(value, ns+":") || !strings.Contains(value, "clusterDefault:") {
				t.Fatalf("disable ns by the cluster admin after the namespace admin's: %s\nconfig-br-defaults:\n%s", r, value)
			}
		})
	}
}
