// Package release checks the release configuration without publishing
// anything: the krew manifest against krew's rules and the goreleaser archives.
package release

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"

	"sigs.k8s.io/yaml"
)

// krewManifest is the part of krew's Plugin manifest (v1alpha2) its
// validation looks at.
type krewManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// render fills the template as krew-release-bot does, with a made-up digest.
func render(t *testing.T, tag string) krewManifest {
	t.Helper()
	src, err := os.ReadFile("../../.krew.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.New("krew").Funcs(template.FuncMap{
		"addURIAndSha": func(url, tag string) string {
			return fmt.Sprintf("uri: %s\n    sha256: %s", url, strings.Repeat("ab", 32))
		},
	}).Parse(string(src))
	if err != nil {
		t.Fatalf(".krew.yaml: %v", err)
	}
	// The URLs hold {{ .TagName }} themselves: krew-release-bot renders twice.
	var once, twice bytes.Buffer
	if err := tmpl.Execute(&once, map[string]string{"TagName": tag}); err != nil {
		t.Fatal(err)
	}
	t2, err := template.New("again").Parse(once.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := t2.Execute(&twice, map[string]string{"TagName": tag}); err != nil {
		t.Fatal(err)
	}
	var m krewManifest
	if err := yaml.UnmarshalStrict(twice.Bytes(), &m); err != nil {
		t.Fatalf("rendered manifest: %v\n%s", err, twice.String())
	}
	return m
}

// goreleaserTargets are the os/arch pairs .goreleaser.yaml builds the plugin for.
func goreleaserTargets(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ProjectName string `json:"project_name"`
		Builds      []struct {
			ID     string   `json:"id"`
			Binary string   `json:"binary"`
			Goos   []string `json:"goos"`
			Goarch []string `json:"goarch"`
		} `json:"builds"`
	}
	if err := yaml.Unmarshal(src, &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range cfg.Builds {
		if b.ID != "kubectl-kymamesh" {
			continue
		}
		for _, os := range b.Goos {
			for _, arch := range b.Goarch {
				out = append(out, os+"/"+arch)
			}
		}
	}
	return out
}

// The rules krew's validator applies (name, version, descriptions, one
// platform per target with a selector, an https URL, a sha256, the binary),
// and the archives goreleaser makes.
func TestKrewManifest(t *testing.T) {
	m := render(t, "v0.3.1")
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" {
		t.Errorf("apiVersion/kind: %s %s", m.APIVersion, m.Kind)
	}
	if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`).MatchString(m.Metadata.Name) || m.Metadata.Name != "kymamesh" {
		t.Errorf("name %q: lower case, digits and dashes, and what kubectl calls the plugin (kymamesh)", m.Metadata.Name)
	}
	if m.Spec.Version != "v0.3.1" {
		t.Errorf("version %q: want the tag, v-prefixed semver", m.Spec.Version)
	}
	if sd := m.Spec.ShortDescription; sd == "" || len(sd) > 50 || strings.HasSuffix(sd, ".") {
		t.Errorf("shortDescription %q: want at most 50 characters and no full stop", sd)
	}
	if m.Spec.Description == "" || !strings.HasPrefix(m.Spec.Homepage, "https://") {
		t.Errorf("description and an https homepage are required")
	}
	var seen []string
	for _, p := range m.Spec.Platforms {
		os, arch := p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"]
		target := os + "/" + arch
		if os == "" || arch == "" || slices.Contains(seen, target) {
			t.Errorf("platform %v: a selector with os and arch, once each", p.Selector.MatchLabels)
		}
		seen = append(seen, target)
		ext := ".tar.gz"
		bin := "kubectl-kymamesh"
		if os == "windows" {
			ext, bin = ".zip", "kubectl-kymamesh.exe"
		}
		wantURI := "https://github.com/kubectl-kymamesh/kubectl-kymamesh/releases/download/v0.3.1/kubectl-kymamesh_" + os + "_" + arch + ext
		if p.URI != wantURI {
			t.Errorf("%s: uri %q, want goreleaser's archive %q", target, p.URI, wantURI)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(p.Sha256) {
			t.Errorf("%s: sha256 %q", target, p.Sha256)
		}
		if p.Bin != bin {
			t.Errorf("%s: bin %q, want %q", target, p.Bin, bin)
		}
	}
	targets := goreleaserTargets(t)
	slices.Sort(seen)
	slices.Sort(targets)
	if !slices.Equal(seen, targets) {
		t.Errorf("krew platforms %v, goreleaser builds %v: they must match", seen, targets)
	}
}
