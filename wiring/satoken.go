package wiring

import (
	"context"
	"fmt"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

var serviceAccountsGVR = corev1.SchemeGroupVersion.WithResource("serviceaccounts")

// ServiceAccountTokenTTL is how long a token send asks for lives: the API
// server's minimum is 10 minutes; an hour covers a long load.
const ServiceAccountTokenTTL = time.Hour

// ParseServiceAccount reads [NAMESPACE/]NAME (flag names the flag); a bare
// NAME is in namespace.
func ParseServiceAccount(flag, v, namespace string) (string, string, error) {
	ns, name, ok := strings.Cut(v, "/")
	if !ok {
		ns, name = namespace, v
	}
	if strings.Contains(name, "/") {
		return "", "", invalid.Errorf(flag, "%q: want NAMESPACE/NAME", v)
	}
	if err := ValidateNamespaceName(flag, ns); err != nil {
		return "", "", err
	}
	return ns, name, ValidateName(flag, name)
}

// ServiceAccountToken asks the API server for a token of the ServiceAccount
// namespace/name bound to audience (a TokenRequest, as kubectl create token
// makes): what Knative's OIDC checks a sender's token against. The token is
// returned, never logged.
func ServiceAccountToken(ctx context.Context, dyn dynamic.Interface, namespace, name, audience string, ttl time.Duration) (string, error) {
	secs := int64(ttl / time.Second)
	tr := &authenticationv1.TokenRequest{
		TypeMeta:   metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       authenticationv1.TokenRequestSpec{Audiences: []string{audience}, ExpirationSeconds: &secs},
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(tr)
	if err != nil {
		return "", err
	}
	got, err := dyn.Resource(serviceAccountsGVR).Namespace(namespace).Create(ctx, &unstructured.Unstructured{Object: u}, metav1.CreateOptions{}, "token")
	if err != nil {
		return "", APIError(err, "create a token for", "serviceaccount", name, namespace)
	}
	tok, _, _ := unstructured.NestedString(got.Object, "status", "token")
	if tok == "" {
		return "", fmt.Errorf("the API server returned no token for serviceaccount %q in namespace %q", name, namespace)
	}
	return tok, nil
}
