package cmdutil_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

type fakeFactory struct {
	cmdutil.Factory
	dyn dynamic.Interface
	cfg *rest.Config
}

func (f fakeFactory) Dynamic() (dynamic.Interface, error) { return f.dyn, nil }
func (f fakeFactory) RESTConfig() (*rest.Config, error)   { return f.cfg, nil }

// Whatever a command does with the clients of a client dry run, nothing is
// written: the clients refuse every write before a request leaves, and reads
// still work.
func TestReadOnlyRefusesEveryWrite(t *testing.T) {
	ctx := t.Context()
	dyn := typedfake.New(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	var written []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			written = append(written, r.Method)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"APIVersions","versions":["v1"]}`))
	}))
	defer srv.Close()
	f := cmdutil.ReadOnly(fakeFactory{dyn: dyn, cfg: &rest.Config{Host: srv.URL}})
	core, err := f.Core()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.Namespaces().Get(ctx, "shop", metav1.GetOptions{}); err != nil {
		t.Fatalf("a read: %v", err)
	}
	writes := map[string]error{
		"create": func() error {
			_, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
			return err
		}(),
		"delete": core.Namespaces().Delete(ctx, "shop", metav1.DeleteOptions{}),
		"update": func() error {
			_, err := core.Namespaces().Update(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.UpdateOptions{})
			return err
		}(),
	}
	d, _ := f.Dynamic()
	res := d.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace("shop")
	_, writes["patch"] = res.Patch(ctx, "c", "application/merge-patch+json", []byte(`{}`), metav1.PatchOptions{})
	writes["delete collection"] = res.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	for verb, err := range writes {
		if !errors.Is(err, cmdutil.ErrDryRunWrite) {
			t.Errorf("%s: want ErrDryRunWrite, got %v", verb, err)
		}
	}
	for _, a := range dyn.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("the fake cluster saw a %s", a.GetVerb())
		}
	}
	// The connection itself (port-forwards) refuses writes too, and reads pass.
	cfg, err := f.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := client.Get(srv.URL + "/api"); err != nil {
		t.Fatalf("a GET through the read-only connection: %v", err)
	} else {
		resp.Body.Close()
	}
	if _, err := client.Post(srv.URL+"/api/v1/namespaces/shop/pods/p/portforward", "", nil); !errors.Is(err, cmdutil.ErrDryRunWrite) {
		t.Errorf("a POST through the read-only connection: want ErrDryRunWrite, got %v", err)
	}
	if len(written) > 0 {
		t.Errorf("the server saw writes: %v", written)
	}
}
