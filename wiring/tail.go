package wiring

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

//go:embed manifests/tail.yaml
var tailManifest string

// TailComponent is ComponentLabel's value on tail's receiver objects (the
// test bed's kubelet runs their Deployments too).
const TailComponent = "kymamesh-tail"

// TailLabel names the tail session an object belongs to.
const TailLabel = "kymamesh.kyma-project.io/tail"

// TailSpec is a tail session: a receiver in the Broker's namespace and a
// Trigger from the Broker to it.
type TailSpec struct {
	Name, Namespace string // Name: kymamesh-tail-XXXXX, see TailName
	Broker          string
	Image           string
	Filter          []string // exact attributes, "k=v"
	CESQL           []string // each its own spec.filters entry
	// IdleTimeout: the receiver removes itself once nobody has watched it
	// for this long (tail was killed before it could clean up).
	IdleTimeout time.Duration
	// Token is the receiver's secret, which tail presents to read the
	// events (random, per session; see NewTailToken).
	Token string
}

// NewTailToken returns a random token for a tail session.
func NewTailToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// TailName is a tail session's name for a random suffix.
func TailName(suffix string) string { return TailComponent + "-" + suffix }

// The resources of a tail receiver, in creation order (the Deployment owns
// the others).
var TailGVRs = []schema.GroupVersionResource{
	DeploymentsGVR,
	{Version: "v1", Resource: "secrets"},
	{Version: "v1", Resource: "serviceaccounts"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	ServicesGVR,
}

func (s TailSpec) labels() map[string]string {
	return managedLabels(map[string]string{ComponentLabel: TailComponent, TailLabel: s.Name})
}

// BuildTail returns the receiver's objects (in TailGVRs order) and the
// Trigger that feeds it, all checked before anything is created.
func BuildTail(s TailSpec) ([]*unstructured.Unstructured, *knapi.Trigger, error) {
	if err := ValidateNamespaceName("--namespace", s.Namespace); err != nil {
		return nil, nil, err
	}
	if err := CheckImage("--image", s.Image); err != nil {
		return nil, nil, err
	}
	if s.IdleTimeout <= 0 {
		return nil, nil, invalid.Errorf("--receiver-idle-timeout", "%s: must be positive", s.IdleTimeout)
	}
	if len(s.Token) < 32 || strings.ContainsAny(s.Token, " \t\n\"'") {
		return nil, nil, invalid.Errorf("", "the tail session has no usable token")
	}
	// The receiver answers 503 for what it cannot hold now: the Trigger
	// retries it (as Knative's default Broker delivery does), whatever the
	// Broker's own delivery says; no dead letter sink, as tail only watches.
	retry := int32(10)
	t, err := BuildTrigger(TriggerSpec{Name: s.Name, Namespace: s.Namespace, Broker: s.Broker, Sink: "svc:" + s.Name,
		Filter: s.Filter, CESQL: s.CESQL, Labels: s.labels(),
		Delivery: DeliveryOptions{Retry: &retry, BackoffPolicy: "exponential", BackoffDelay: "PT0.2S"}})
	if err != nil {
		return nil, nil, err
	}
	selector := map[string]string{ComponentLabel: TailComponent, TailLabel: s.Name}
	objs, err := renderManifests("tail", tailManifest, map[string]any{"Name": quote(s.Name), "Namespace": quote(s.Namespace),
		"Image": quote(s.Image), "IdleTimeout": quote(s.IdleTimeout.String()), "Token": quote(s.Token), "Labels": inline(s.labels()), "Selector": inline(selector)})
	return objs, t, err
}

// OwnedBy makes obj a dependent of the Deployment owner: the garbage
// collector deletes it with the Deployment, and a foreground deletion of the
// Deployment waits for it.
func OwnedBy(obj metav1.Object, owner *unstructured.Unstructured) {
	yes := true
	obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: owner.GetName(),
		UID: owner.GetUID(), BlockOwnerDeletion: &yes}})
}

// CheckImage refuses what cannot be an image reference (empty, blanks, quotes).
func CheckImage(flag, image string) error {
	if image == "" || strings.ContainsAny(image, " \t\n\"'") {
		return invalid.Errorf(flag, "%q is not an image reference", image)
	}
	return nil
}
