package cmdutil

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The connection flags are kubectl's, by name and shorthand, and they reach
// the connection: --kubeconfig, --context, -n, -s, --token, --as.
func TestConfigFlagsAreKubectls(t *testing.T) {
	f := NewConfigFlags()
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f.AddFlags(fs)
	var names []string
	fs.VisitAll(func(fl *pflag.Flag) {
		n := fl.Name
		if fl.Shorthand != "" {
			n += "/" + fl.Shorthand
		}
		names = append(names, n)
	})
	sort.Strings(names)
	want := "as,as-group,as-uid,cache-dir,certificate-authority,client-certificate,client-key,cluster,context," +
		"disable-compression,insecure-skip-tls-verify,kubeconfig,namespace/n,request-timeout,server/s,tls-server-name,token,user"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("flags:\n got  %s\n want %s", got, want)
	}

	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: a, cluster: {server: "https://a.example:6443"}}
- {name: b, cluster: {server: "https://b.example:6443"}}
users:
- {name: u, user: {token: from-file}}
contexts:
- {name: a, context: {cluster: a, user: u, namespace: ns-a}}
- {name: b, context: {cluster: b, user: u, namespace: ns-b}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", "")
	for args, want := range map[string]string{
		"--kubeconfig=" + kubeconfig:                                       "https://a.example:6443 ns-a from-file ",
		"--kubeconfig=" + kubeconfig + " --context=b":                      "https://b.example:6443 ns-b from-file ",
		"--kubeconfig=" + kubeconfig + " -n shop -s https://c.example":     "https://c.example shop from-file ",
		"--kubeconfig=" + kubeconfig + " --token=t --as=alice --context=b": "https://b.example:6443 ns-b t alice",
	} {
		f := NewConfigFlags()
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		f.AddFlags(fs)
		if err := fs.Parse(strings.Fields(args)); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.ToRESTConfig()
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		ns, _, err := f.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Host + " " + ns + " " + cfg.BearerToken + " " + cfg.Impersonate.UserName; got != want {
			t.Errorf("%s: got %q, want %q", args, got, want)
		}
	}
}

// batch's lines share the kubeconfig as first read: the file is read once,
// and one line's overrides do not leak into another's.
func TestKubeconfigCacheReadsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	write := func(server string) {
		if err := os.WriteFile(path, []byte("apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- {name: a, cluster: {server: \""+server+"\"}}\n"+
			"contexts:\n- {name: a, context: {cluster: a, namespace: ns-a}}\nusers: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("https://first.example")
	cache := NewKubeconfigCache()
	line := func(args ...string) (string, string) {
		f := NewConfigFlags()
		f.Kubeconfigs = cache
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		f.AddFlags(fs)
		if err := fs.Parse(append(args, "--kubeconfig", path)); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.ToRESTConfig()
		if err != nil {
			t.Fatal(err)
		}
		ns, _, _ := f.ToRawKubeConfigLoader().Namespace()
		return cfg.Host, ns
	}
	if host, ns := line("-n", "shop"); host != "https://first.example" || ns != "shop" {
		t.Fatalf("first line: %s %s", host, ns)
	}
	write("https://second.example")
	if host, ns := line(); host != "https://first.example" || ns != "ns-a" {
		t.Fatalf("second line: %s %s (want the cached file and its own namespace)", host, ns)
	}
}
