package wiring

import (
	"context"
	"fmt"
	"sort"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/eventmatch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// Knative's default-authorization-mode values (config-features), as explain
// writes them: what the broker ingress does with a valid token when no
// EventPolicy applies to the Broker.
const (
	AuthAllowAll           = "allow-all"
	AuthAllowSameNamespace = "allow-same-namespace"
	AuthDenyAll            = "deny-all"
)

// OIDCFeatures are Knative's OIDC settings in config-features.
type OIDCFeatures struct {
	On bool
	// DefaultMode is default-authorization-mode as Knative reads it ("" when
	// config-features could not be read).
	DefaultMode string
	// Note says what is uncertain or odd about them.
	Note string
}

// ParseOIDCFeatures reads config-features' data as Knative does: keys as
// written, values in any case; without the key the mode is
// allow-same-namespace, and a value Knative does not know lets everyone in
// (none of its deny checks match it).
func ParseOIDCFeatures(data map[string]string) OIDCFeatures {
	f := OIDCFeatures{DefaultMode: AuthAllowSameNamespace}
	for k, v := range data {
		switch strings.TrimSpace(k) {
		case "authentication-oidc":
			f.On = strings.EqualFold(v, "enabled")
		case "default-authorization-mode":
			switch {
			case strings.EqualFold(v, AuthAllowAll), strings.EqualFold(v, AuthDenyAll), strings.EqualFold(v, AuthAllowSameNamespace):
				f.DefaultMode = strings.ToLower(v)
			default:
				f.DefaultMode = AuthAllowAll
				f.Note = fmt.Sprintf("default-authorization-mode %q is no value Knative knows: it then lets every valid token in", v)
			}
		}
	}
	return f
}

// ReadOIDCFeatures reads config-features in knative-eventing. A user who may
// not read it gets OIDC taken from the Broker's address (an audience there
// means Knative's OIDC is on) and no default mode.
func ReadOIDCFeatures(ctx context.Context, m Mesh, b *knapi.Broker) (OIDCFeatures, error) {
	cm, err := m.Core.ConfigMaps(eventingNamespace).Get(ctx, "config-features", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return ParseOIDCFeatures(nil), nil
	case apierrors.IsForbidden(err):
		on := b.Status.Address != nil && b.Status.Address.Audience != nil && *b.Status.Address.Audience != ""
		return OIDCFeatures{On: on, Note: "you may not read config-features (knative-eventing): OIDC is taken as " +
			map[bool]string{true: "on (the Broker has an OIDC audience)", false: "off (the Broker has no OIDC audience)"}[on] +
			" and default-authorization-mode is unknown"}, nil
	case err != nil:
		return OIDCFeatures{}, APIError(err, "get", "configmap", "config-features", eventingNamespace)
	}
	return ParseOIDCFeatures(cm.Data), nil
}

// AuthExplanation is whether Knative's OIDC authentication lets the sender
// of an event in at a Broker: which EventPolicies apply (the Broker's
// status.policies, as its ingress enforces them) and whom they let in.
type AuthExplanation struct {
	OIDC bool `json:"oidc"`
	// Sender is the token's subject (system:serviceaccount:NS:NAME), empty
	// when it is not known.
	Sender string `json:"sender,omitempty"`
	// Allowed is nil when the sender is not known.
	Allowed *bool  `json:"allowed,omitempty"`
	Why     string `json:"why"`
	// Policies are the EventPolicies that apply to the Broker.
	Policies []string `json:"policies,omitempty"`
	// Senders are whom the Broker lets in (a trailing * is a prefix), when
	// the sender is not known.
	Senders     []string `json:"allowedSenders,omitempty"`
	DefaultMode string   `json:"defaultAuthorizationMode,omitempty"`
	// Audience is what a token must be issued for (the Broker's
	// status.address.audience); a token for another, or none, is a 401.
	Audience string `json:"audience,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Sender is who sends an event, as far as Knative's OIDC is concerned.
type Sender struct {
	// Subject is the token's subject; empty when not known.
	Subject string
	// Given says the user named it (explain --service-account): the verdict
	// is shown with OIDC off too.
	Given bool
	// Unknown says why the subject is not known, when it is not.
	Unknown string
}

// ServiceAccountSubject is the OIDC subject of a ServiceAccount's tokens.
func ServiceAccountSubject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// ExplainAuth reads what Knative's broker ingress checks a token against
// (config-features and the EventPolicies applied to b) and says whether
// sender ("" when unknown) may send ev to b.
func ExplainAuth(ctx context.Context, m Mesh, b *knapi.Broker, sender Sender, ev cloudevents.Event) (AuthExplanation, error) {
	f, err := ReadOIDCFeatures(ctx, m, b)
	if err != nil {
		return AuthExplanation{}, err
	}
	var policies []knapi.EventPolicy
	var missing []string
	if f.On {
		for _, ref := range b.Status.Policies {
			p, err := m.Policies.EventPolicies(b.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				missing = append(missing, ref.Name)
			case err != nil:
				return AuthExplanation{}, APIError(err, "get", "eventpolicy", ref.Name, b.Namespace)
			default:
				policies = append(policies, *p)
			}
		}
	}
	x := Authorize(f, b.Namespace, policies, sender.Subject, ev)
	if a := b.Status.Address; f.On && a != nil && a.Audience != nil {
		x.Audience = *a.Audience
	}
	if sender.Subject == "" && sender.Unknown != "" && f.On {
		x.Why = strings.Replace(x.Why, "sender unknown (give --service-account NS/NAME)", "sender unknown ("+sender.Unknown+")", 1)
	}
	if len(missing) > 0 {
		f := false
		x.Allowed = &f
		x.Why = fmt.Sprintf("the Broker applies EventPolicy %s, which no longer exists: its ingress answers 500 until Knative updates the Broker", strings.Join(missing, ", "))
	}
	return x, nil
}

// Authorize is the broker ingress's decision (Knative's verifier) for a
// valid token of sender ("" for unknown) and ev, given the OIDC features
// and the EventPolicies applied to a Broker in namespace, in the Broker's
// order: with policies, the first whose resolved senders (status.from; a
// trailing * is a prefix) name the sender decides, by its filters; without,
// the default mode.
func Authorize(f OIDCFeatures, namespace string, policies []knapi.EventPolicy, sender string, ev cloudevents.Event) AuthExplanation {
	x := AuthExplanation{OIDC: f.On, Sender: sender, Note: f.Note}
	yes, no := true, false
	if !f.On {
		x.Allowed = &yes
		x.Why = "Knative's OIDC authentication is off: the Broker takes events without a token, from anyone"
		return x
	}
	for _, p := range policies {
		x.Policies = append(x.Policies, p.Name)
	}
	if len(policies) > 0 {
		if sender == "" {
			seen := map[string]bool{}
			for _, p := range policies {
				for _, s := range p.Status.From {
					if !seen[s] {
						seen[s] = true
						x.Senders = append(x.Senders, s)
					}
				}
			}
			sort.Strings(x.Senders)
			x.Why = fmt.Sprintf("sender unknown (give --service-account NS/NAME): EventPolicy %s let in %s", strings.Join(x.Policies, ", "), orNobody(x.Senders))
			return x
		}
		for _, p := range policies {
			for _, s := range p.Status.From {
				if !strings.EqualFold(s, sender) && (!strings.HasSuffix(s, "*") || !strings.HasPrefix(sender, strings.TrimSuffix(s, "*"))) {
					continue
				}
				if len(p.Spec.Filters) == 0 {
					x.Allowed = &yes
					x.Why = fmt.Sprintf("EventPolicy %s lets %s in", p.Name, sender)
					return x
				}
				// Knative decides by the first policy naming the sender,
				// even when a later one would take the event.
				v := eventmatch.Trigger(knapi.TriggerSpec{Filters: p.Spec.Filters}, ev)
				if v.Takes {
					x.Allowed = &yes
					x.Why = fmt.Sprintf("EventPolicy %s lets %s in, and its filters take the event", p.Name, sender)
				} else {
					x.Allowed = &no
					x.Why = fmt.Sprintf("EventPolicy %s lets %s in only with events its filters take, and %s: %s (403)", p.Name, sender, v.Clause, v.Why)
				}
				return x
			}
		}
		x.Allowed = &no
		x.Why = fmt.Sprintf("no EventPolicy of the Broker (%s) names %s (403)", strings.Join(x.Policies, ", "), sender)
		return x
	}
	x.DefaultMode = f.DefaultMode
	same := ServiceAccountSubject(namespace, "*")
	switch f.DefaultMode {
	case AuthDenyAll:
		x.Allowed = &no
		x.Why = "no EventPolicy applies to the Broker and default-authorization-mode is deny-all: nobody may send (403)"
		if sender == "" {
			x.Allowed = nil
		}
	case AuthAllowAll:
		x.Allowed = &yes
		x.Why = "no EventPolicy applies to the Broker and default-authorization-mode is allow-all: any valid token is let in"
	case AuthAllowSameNamespace:
		switch {
		case sender == "":
			x.Senders = []string{same}
			x.Why = fmt.Sprintf("sender unknown (give --service-account NS/NAME): no EventPolicy applies to the Broker and default-authorization-mode is allow-same-namespace: ServiceAccounts of namespace %q are let in", namespace)
		case strings.HasPrefix(sender, strings.TrimSuffix(same, "*")):
			x.Allowed = &yes
			x.Why = fmt.Sprintf("no EventPolicy applies to the Broker and default-authorization-mode is allow-same-namespace: %s is of namespace %q", sender, namespace)
		default:
			x.Allowed = &no
			x.Why = fmt.Sprintf("no EventPolicy applies to the Broker and default-authorization-mode is allow-same-namespace: %s is not of namespace %q (403)", sender, namespace)
		}
	default: // config-features not readable
		x.Why = "no EventPolicy applies to the Broker: whether the sender is let in depends on default-authorization-mode, which you may not read"
	}
	return x
}

func orNobody(s []string) string {
	if len(s) == 0 {
		return "nobody yet (no resolved senders in their status.from)"
	}
	return strings.Join(s, ", ")
}
