package wiring

import (
	"strings"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// config-features read as Knative reads it: values in any case, the mode
// allow-same-namespace when not set, and a value Knative does not know
// letting everyone in.
func TestParseOIDCFeatures(t *testing.T) {
	for _, c := range []struct {
		data map[string]string
		on   bool
		mode string
		note string
	}{
		{nil, false, AuthAllowSameNamespace, ""},
		{map[string]string{"authentication-oidc": "Enabled"}, true, AuthAllowSameNamespace, ""},
		{map[string]string{"authentication-oidc": "disabled", "default-authorization-mode": "Deny-All"}, false, AuthDenyAll, ""},
		{map[string]string{"authentication-oidc": "enabled", "default-authorization-mode": "allow-all"}, true, AuthAllowAll, ""},
		{map[string]string{"authentication-oidc": "enabled", "default-authorization-mode": "deny-some"}, true, AuthAllowAll, "is no value Knative knows"},
		{map[string]string{"authentication-oidc": "allowed"}, false, AuthAllowSameNamespace, ""},
	} {
		f := ParseOIDCFeatures(c.data)
		if f.On != c.on || f.DefaultMode != c.mode || (c.note == "") != (f.Note == "") || !strings.Contains(f.Note, c.note) {
			t.Errorf("%v: got %+v, want on %v mode %s note %q", c.data, f, c.on, c.mode, c.note)
		}
	}
}

// The broker ingress's decision for a valid token, as Knative's verifier
// makes it: applied EventPolicies by their resolved senders (a trailing *
// a prefix, case not minded), the first that names the sender deciding by
// its filters; without policies, the default mode.
func TestAuthorize(t *testing.T) {
	policy := func(name string, from []string, filters ...knapi.SubscriptionsAPIFilter) knapi.EventPolicy {
		p := knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
		p.Status.From, p.Spec.Filters = from, filters
		return p
	}
	onlyEU := knapi.SubscriptionsAPIFilter{CESQL: "region = 'eu'"}
	ev := cloudevents.NewEvent()
	ev.SetID("1")
	ev.SetType("order.created")
	ev.SetSource("crm")
	ev.SetExtension("region", "us")
	on := func(mode string) OIDCFeatures { return OIDCFeatures{On: true, DefaultMode: mode} }
	sa := ServiceAccountSubject
	pols := []knapi.EventPolicy{
		policy("ops", []string{sa("ops", "*")}),
		policy("eu-only", []string{sa("shop", "crm")}, onlyEU),
		policy("crm-all", []string{sa("shop", "crm"), sa("shop", "erp")}),
	}
	for _, c := range []struct {
		name     string
		f        OIDCFeatures
		policies []knapi.EventPolicy
		sender   string
		allowed  string // yes, no, unknown
		why      string
	}{
		{"oidc off", OIDCFeatures{DefaultMode: AuthDenyAll}, pols, "", "yes", "OIDC authentication is off"},
		{"named", on(AuthDenyAll), pols, sa("shop", "erp"), "yes", "EventPolicy crm-all lets system:serviceaccount:shop:erp in"},
		{"prefix", on(AuthDenyAll), pols, sa("ops", "bot"), "yes", "EventPolicy ops lets"},
		{"case", on(AuthDenyAll), pols, "SYSTEM:serviceaccount:shop:ERP", "yes", "EventPolicy crm-all"},
		// eu-only names crm first and refuses a US event: crm-all is not asked.
		{"first policy decides", on(AuthAllowAll), pols, sa("shop", "crm"), "no", `EventPolicy eu-only lets system:serviceaccount:shop:crm in only with events its filters take, and filters[0].cesql: "region = 'eu'" is false for this event (403)`},
		{"named nowhere", on(AuthAllowAll), pols, sa("shop", "other"), "no", "no EventPolicy of the Broker (ops, eu-only, crm-all) names system:serviceaccount:shop:other (403)"},
		{"unknown with policies", on(AuthAllowAll), pols, "", "unknown", "EventPolicy ops, eu-only, crm-all let in system:serviceaccount:ops:*, system:serviceaccount:shop:crm, system:serviceaccount:shop:erp"},
		{"unresolved", on(AuthAllowAll), []knapi.EventPolicy{policy("new", nil)}, "", "unknown", "let in nobody yet"},
		{"deny-all", on(AuthDenyAll), nil, sa("shop", "crm"), "no", "default-authorization-mode is deny-all: nobody may send"},
		{"deny-all unknown", on(AuthDenyAll), nil, "", "unknown", "nobody may send"},
		{"allow-all", on(AuthAllowAll), nil, sa("x", "y"), "yes", "allow-all"},
		{"same namespace", on(AuthAllowSameNamespace), nil, sa("shop", "a"), "yes", `is of namespace "shop"`},
		{"other namespace", on(AuthAllowSameNamespace), nil, sa("shopping", "a"), "no", `system:serviceaccount:shopping:a is not of namespace "shop" (403)`},
		{"same namespace unknown", on(AuthAllowSameNamespace), nil, "", "unknown", `ServiceAccounts of namespace "shop" are let in`},
		{"mode not readable", OIDCFeatures{On: true}, nil, sa("shop", "a"), "unknown", "depends on default-authorization-mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := Authorize(c.f, "shop", c.policies, c.sender, ev)
			got := "unknown"
			if x.Allowed != nil {
				got = map[bool]string{true: "yes", false: "no"}[*x.Allowed]
			}
			if got != c.allowed || !strings.Contains(x.Why, c.why) {
				t.Errorf("got %s: %q; want %s: %q", got, x.Why, c.allowed, c.why)
			}
		})
	}
}
