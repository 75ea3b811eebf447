//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// knativeEventingCRD serves operator.knative.dev/v1beta1 KnativeEventing as
// the Knative Operator's CRD does (spec.config a map of ConfigMap name to
// data key to string), with no Operator controller behind it.
func knativeEventingCRD(t *testing.T) {
	t.Helper()
	applyJSON(t, `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
"metadata":{"name":"knativeeventings.operator.knative.dev"},
"spec":{"group":"operator.knative.dev","scope":"Namespaced","names":{"plural":"knativeeventings","singular":"knativeeventing","kind":"KnativeEventing","listKind":"KnativeEventingList"},
"versions":[{"name":"v1beta1","served":true,"storage":true,"subresources":{"status":{}},
"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
"properties":{"config":{"type":"object","additionalProperties":{"type":"object","additionalProperties":{"type":"string"}}}}},
"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}`)
	t.Cleanup(func() { testbed.Kubectl(t, "delete", "crd", "knativeeventings.operator.knative.dev", "--wait=false") })
	testbed.MustKubectl(t, "wait", "--for", "condition=established", "--timeout=30s", "crd/knativeeventings.operator.knative.dev")
}

// Attacks on enable/disable ns under the Operator, on one KnativeEventing
// whose spec.config others use too: the short key br-defaults holding
// another team's namespace entry and a comment, an unparsable
// default-ch-webhook value, a second KnativeEventing elsewhere, dry runs,
// an edited entry, disable twice, a user who may read but not update the
// KnativeEventing, and a namespace admin who may not list KnativeEventings.
func TestReviewOperatorSpecConfig(t *testing.T) {
	knativeEventingCRD(t)
	other := testbed.Namespace(t) // holds the decoy KnativeEventing
	ke := func() map[string]any {
		return getJSON(t, "get", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing")
	}
	theirs := "# owned by team X\nclusterDefault:\n  brokerClass: MTChannelBasedBroker\n  apiVersion: v1\n  kind: ConfigMap\n  name: config-br-default-channel\n  namespace: knative-eventing\nnamespaceDefaults:\n  team-x:\n    brokerClass: MTChannelBasedBroker\n"
	applyYAML(t, `apiVersion: operator.knative.dev/v1beta1
kind: KnativeEventing
metadata: {name: decoy, namespace: `+other+`}
spec: {}
---
apiVersion: operator.knative.dev/v1beta1
kind: KnativeEventing
metadata: {name: knative-eventing, namespace: knative-eventing}
spec:
  config:
    br-defaults:
      default-br-config: |
`+indent(theirs, "        ")+`
      other-key: keep-me
    default-ch-webhook:
      default-ch-config: "clusterDefault: [unclosed"
`)
	t.Cleanup(func() {
		testbed.Kubectl(t, "delete", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing")
	})
	ns := testbed.Namespace(t)

	// Dry runs write nothing.
	rv := field(ke(), "metadata", "resourceVersion")
	for _, dry := range []string{"client", "server"} {
		r := mustKM(t, "enable", "ns", ns, "--channel", "kafka", "--retry", "3", "--dry-run="+dry)
		t.Logf("dry run %s:\n%s", dry, r)
		if got := field(ke(), "metadata", "resourceVersion"); got != rv {
			t.Fatalf("--dry-run=%s changed the KnativeEventing: %s", dry, r)
		}
	}

	r := mustKM(t, "enable", "ns", ns, "--channel", "kafka", "--retry", "3")
	t.Logf("enable:\n%s", r)
	if !strings.Contains(r.Stdout, "spec.config.br-defaults.default-br-config: namespaceDefaults."+ns+" created") {
		t.Fatalf("enable must write the entry under the short key the KnativeEventing already uses: %s", r)
	}
	if !strings.Contains(r.Stdout, "does not parse as YAML") {
		t.Fatalf("an unparsable default-ch-config must be said and left alone: %s", r)
	}
	config, _ := field(ke(), "spec", "config").(map[string]any)
	br, _ := field(config, "br-defaults", "default-br-config").(string)
	if !strings.Contains(br, "team-x:") || !strings.Contains(br, ns+":") || field(config, "br-defaults", "other-key") != "keep-me" || config["config-br-defaults"] != nil {
		t.Fatalf("spec.config after enable:\n%v", config)
	}
	if ch := field(config, "default-ch-webhook", "default-ch-config"); ch != "clusterDefault: [unclosed" {
		t.Fatalf("the unparsable value changed: %v", ch)
	}
	if ann, _ := field(getJSON(t, "get", "knativeeventings.operator.knative.dev", "decoy", "-n", other), "metadata", "annotations").(map[string]any); len(ann) > 1 {
		t.Fatalf("the second KnativeEventing was written: %v", ann)
	}
	// Running it twice changes nothing.
	if r := mustKM(t, "enable", "ns", ns, "--channel", "kafka", "--retry", "3"); strings.Contains(r.Stdout, "knative-eventing configured") {
		t.Fatalf("enable twice wrote again: %s", r)
	}

	// A namespace admin who may read Knative's ConfigMaps but not list
	// KnativeEventings disables: the entry stays in spec.config, and the
	// output must say so.
	namespaceAdmin(t, ns, true)
	r = km(t, "disable", "ns", ns, "--kubeconfig", testbed.RestrictedKubeconfig())
	t.Logf("disable as namespace admin:\n%s", r)
	if r.Code != 0 || !strings.Contains(r.Stdout+r.Stderr, "namespaceDefaults."+ns) {
		t.Errorf("disable ns by a namespace admin left the entry in the KnativeEventing without a word: %s", r)
	}
	br, _ = field(ke(), "spec", "config", "br-defaults", "default-br-config").(string)
	if !strings.Contains(br, ns+":") {
		t.Fatalf("the namespace admin changed spec.config:\n%s", br)
	}

	// Someone edits the entry; disable keeps it, twice, and keeps team X's.
	mustKM(t, "enable", "ns", ns, "--retry", "3")
	edited := strings.Replace(br, "retry: 3", "retry: 9", 1)
	if edited == br {
		t.Fatalf("no retry: 3 in the entry:\n%s", br)
	}
	patch := `{"spec":{"config":{"br-defaults":{"default-br-config":` + jsonString(edited) + `}}}}`
	testbed.MustKubectl(t, "patch", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing", "--type=merge", "-p", patch)
	for i := 0; i < 2; i++ {
		r = mustKM(t, "disable", "ns", ns)
		t.Logf("disable %d after an edit:\n%s", i, r)
		if !strings.Contains(r.Stdout, "was changed since the plugin wrote it") {
			t.Fatalf("disable %d after someone edited the entry: %s", i, r)
		}
	}
	br, _ = field(ke(), "spec", "config", "br-defaults", "default-br-config").(string)
	if !strings.Contains(br, "retry: 9") || !strings.Contains(br, "team-x:") {
		t.Fatalf("the edited entry or team X's went:\n%s", br)
	}
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}

func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// status and doctor for a namespace whose entry in config-br-defaults names
// a class only (someone's, written with kubectl): Knative's webhook gives a
// Broker made there the cluster's config, and status must say so. Then
// both as a namespace admin who may read nothing of Knative's: status
// still answers (persistence.from left out), doctor warns rather than
// passing what it could not read, and neither dumps a Go error.
func TestReviewStatusDoctorReadLittle(t *testing.T) {
	ns := testbed.Namespace(t)
	cm := getJSON(t, "get", "configmap", "config-br-defaults", "-n", "knative-eventing")
	orig, _ := field(cm, "data", "default-br-config").(string)
	if strings.Contains(orig, "namespaceDefaults:") {
		t.Skipf("config-br-defaults already has namespaceDefaults:\n%s", orig)
	}
	setValue := func(v string) {
		testbed.MustKubectl(t, "patch", "configmap", "config-br-defaults", "-n", "knative-eventing", "--type=merge", "-p", `{"data":{"default-br-config":`+jsonString(v)+`}}`)
	}
	setValue(orig + "namespaceDefaults:\n  " + ns + ":\n    brokerClass: MTChannelBasedBroker\n")
	t.Cleanup(func() { setValue(orig) })
	applyYAML(t, `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: theirs, namespace: `+ns+`}
`)
	t.Logf("the Broker Knative defaulted: %v", field(getJSON(t, "get", "brokers.eventing.knative.dev", "theirs", "-n", ns), "spec"))
	r := mustKM(t, "status", "-n", ns, "-o", "json")
	if !strings.Contains(r.Stdout, `"from": "clusterDefault"`) && !strings.Contains(r.Stdout, `"from":"clusterDefault"`) {
		t.Errorf("status must say the Broker's config is the cluster default's:\n%s", r.Stdout)
	}

	namespaceAdmin(t, ns, false)
	// status -n NS also reads the integration namespace's Channels and
	// Subscriptions (a namespace admin without that gets "error: forbidden"
	// and exit 1, as before today's change): let the user read there, so that
	// what is tested is config-br-defaults unreadable.
	testbed.Kubectl(t, "create", "namespace", "kyma-integration")
	applyYAML(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: review-read, namespace: kyma-integration}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: review-read, namespace: kyma-integration}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: review-read}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted}
`)
	t.Cleanup(func() { testbed.Kubectl(t, "delete", "-n", "kyma-integration", "role,rolebinding", "review-read") })
	for _, args := range [][]string{{"status", "-n", ns}, {"status", "-n", ns, "-o", "json"}, {"doctor", "-n", ns}} {
		r := km(t, append(args, "--kubeconfig", testbed.RestrictedKubeconfig())...)
		t.Logf("%v as namespace admin:\n%s", args, r)
		if strings.Contains(r.Stdout+r.Stderr, "goroutine ") || strings.Contains(r.Stdout+r.Stderr, "panic") {
			t.Fatalf("%v dumped a Go error: %s", args, r)
		}
		switch args[0] {
		case "status":
			if r.Code != 0 || strings.Contains(r.Stdout, `"from"`) {
				t.Errorf("%v as one who may not read config-br-defaults: %s", args, r)
			}
		case "doctor":
			if r.Code > 1 || !strings.Contains(r.Stdout, "newer sink kinds: ") || strings.Contains(r.Stdout, "PASS  newer sink kinds: no Trigger") {
				t.Errorf("doctor as namespace admin: %s", r)
			}
		}
	}
}

// A user who may update the KnativeEventing but not read Knative's
// ConfigMaps enables a namespace where spec.config holds no value yet: a
// value started from nothing would drop Knative's clusterDefault once the
// Operator applies it, so the entry is not written and the line says so.
func TestReviewOperatorValueNotStartedFromNothing(t *testing.T) {
	knativeEventingCRD(t)
	applyYAML(t, `apiVersion: operator.knative.dev/v1beta1
kind: KnativeEventing
metadata: {name: knative-eventing, namespace: knative-eventing}
spec: {}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: review-ke-editor}
rules:
- apiGroups: ["operator.knative.dev"]
  resources: ["knativeeventings"]
  verbs: ["get", "list", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: review-ke-editor}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: review-ke-editor}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: restricted}
`)
	t.Cleanup(func() {
		testbed.Kubectl(t, "delete", "clusterrole,clusterrolebinding", "review-ke-editor")
		testbed.Kubectl(t, "delete", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing")
	})
	ns := testbed.Namespace(t)
	namespaceAdmin(t, ns, false)
	r := km(t, "enable", "ns", ns, "--retry", "3", "--kubeconfig", testbed.RestrictedKubeconfig())
	t.Logf("enable by a KnativeEventing editor who may not read config-br-defaults:\n%s", r)
	if r.Code != 0 || !strings.Contains(r.Stdout, "knativeeventing.operator.knative.dev/knative-eventing kept: spec.config.config-br-defaults.default-br-config: namespaceDefaults."+ns+" not written") {
		t.Fatalf("enable: %s", r)
	}
	if c := field(getJSON(t, "get", "knativeeventings.operator.knative.dev", "knative-eventing", "-n", "knative-eventing"), "spec", "config"); c != nil {
		t.Fatalf("spec.config written from nothing: %v", c)
	}
}
