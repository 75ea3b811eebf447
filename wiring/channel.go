package wiring

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// channelTypes are the short names for channel implementations.
var channelTypes = map[string]metav1.TypeMeta{
	"imc":   {APIVersion: "messaging.knative.dev/v1", Kind: "InMemoryChannel"},
	"kafka": {APIVersion: "messaging.knative.dev/v1beta1", Kind: "KafkaChannel"},
}

// ParseChannelType accepts imc, kafka or GROUP/VERSION/KIND.
func ParseChannelType(field, v string) (metav1.TypeMeta, error) {
	if tm, ok := channelTypes[strings.ToLower(v)]; ok {
		return tm, nil
	}
	// kn writes channel types GROUP:VERSION:KIND.
	if parts := strings.Split(v, ":"); len(parts) == 3 && !strings.Contains(v, "/") {
		v = parts[0] + "/" + parts[1] + "/" + parts[2]
	}
	i := strings.LastIndex(v, "/")
	if i <= 0 || i == len(v)-1 || !strings.Contains(v[:i], "/") {
		return metav1.TypeMeta{}, invalid.Errorf(field, "%q: want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND", v)
	}
	gv, err := schema.ParseGroupVersion(v[:i])
	if err != nil || gv.Group == "" {
		return metav1.TypeMeta{}, invalid.Errorf(field, "%q: want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND", v)
	}
	kind := v[i+1:]
	// As the API server checks a CRD's group, version and kind.
	if len(validation.IsDNS1123Subdomain(gv.Group)) > 0 || len(validation.IsDNS1123Label(gv.Version)) > 0 || !validKind(kind) {
		return metav1.TypeMeta{}, invalid.Errorf(field, "%q: the group must be a DNS subdomain (messaging.knative.dev), the version a DNS label (v1), the kind a word starting with a capital letter (InMemoryChannel)", v)
	}
	return metav1.TypeMeta{APIVersion: gv.String(), Kind: kind}, nil
}

// validKind says whether k is a Kubernetes kind: a letter, then letters and digits.
func validKind(k string) bool {
	for i, r := range k {
		upper, lower, digit := r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9'
		if (i == 0 && !upper) || !(upper || lower || digit) {
			return false
		}
	}
	return k != ""
}

// ChannelSpec is what a user can say about a Channel.
type ChannelSpec struct {
	Name, Namespace string
	Type            string // empty: the cluster's default channel
	Labels          map[string]string
}

// BuildChannel returns the Channel for spec.
func BuildChannel(s ChannelSpec) (*knapi.Channel, error) {
	if err := ValidateName("NAME", s.Name); err != nil {
		return nil, err
	}
	c := &knapi.Channel{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: managedLabels(s.Labels)}}
	if s.Type != "" {
		tm, err := ParseChannelType("--type", s.Type)
		if err != nil {
			return nil, err
		}
		c.Spec.ChannelTemplate = &knapi.ChannelTemplateSpec{TypeMeta: tm}
	}
	return c, nil
}

// ParseChannelRef accepts NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME
// and returns the reference a Subscription's spec.channel takes.
func ParseChannelRef(field, v string) (duckv1.KReference, error) {
	kindPart, name, found := strings.Cut(v, ":")
	if !found {
		kindPart, name = "channel", v
	}
	if err := ValidateName(field, name); err != nil {
		return duckv1.KReference{}, err
	}
	switch kindPart {
	case "channel":
		return duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Channel", Name: name}, nil
	case "imc":
		return duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "InMemoryChannel", Name: name}, nil
	}
	tm, err := ParseChannelType(field, kindPart)
	if err != nil {
		return duckv1.KReference{}, invalid.Errorf(field, "%q: want NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME", v)
	}
	return duckv1.KReference{APIVersion: tm.APIVersion, Kind: tm.Kind, Name: name}, nil
}
