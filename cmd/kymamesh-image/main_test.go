package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// readBlob reads a blob of the layout by its digest, checking the digest.
func readBlob(t *testing.T, dir, digest string) []byte {
	t.Helper()
	hexSum := strings.TrimPrefix(digest, "sha256:")
	b, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", hexSum))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != hexSum {
		t.Fatalf("blob %s does not match its digest", digest)
	}
	return b
}

// The image holds what the adapter's Deployment relies on: the binary as the
// entrypoint, a non-root user (the manifest's runAsUser), no shell, the
// release's version (in its label and as the binary reports it).
func TestImageIsWhatTheDeploymentRunsOn(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kymamesh-adapter")
	gobuild := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=v9.8.7", "-o", bin, "../kymamesh-adapter")
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "image")
	if err := build(bin, ca, "v9.8.7", runtime.GOARCH, layout); err != nil {
		t.Fatal(err)
	}
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if b, err := os.ReadFile(filepath.Join(layout, "index.json")); err != nil || json.Unmarshal(b, &index) != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v", err)
	}
	if index.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "v9.8.7" {
		t.Errorf("tag: %v", index.Manifests[0].Annotations)
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(readBlob(t, layout, index.Manifests[0].Digest), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v %+v", err, manifest)
	}
	var cfg imageConfig
	if err := json.Unmarshal(readBlob(t, layout, manifest.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || strings.Join(cfg.Config.Entrypoint, " ") != "/kymamesh-adapter" || cfg.OS != "linux" ||
		cfg.Config.Labels["org.opencontainers.image.version"] != "v9.8.7" {
		t.Fatalf("config: %+v", cfg)
	}
	// The layer: the binary (the very bytes built) and the CA bundle, nothing else.
	zr, err := gzip.NewReader(bytes.NewReader(readBlob(t, layout, manifest.Layers[0].Digest)))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	if sum := sha256.Sum256(raw); "sha256:"+hex.EncodeToString(sum[:]) != cfg.RootFS.DiffIDs[0] {
		t.Fatal("the layer's diff ID is not the digest of its tar")
	}
	var files []string
	tr := tar.NewReader(bytes.NewReader(raw))
	extracted := filepath.Join(dir, "extracted-adapter")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files = append(files, h.Name)
		}
		if h.Name == "kymamesh-adapter" {
			b, _ := io.ReadAll(tr)
			want, _ := os.ReadFile(bin)
			if !bytes.Equal(b, want) || h.Mode&0o111 == 0 {
				t.Fatal("the layer's binary is not the one built, or not executable")
			}
			if err := os.WriteFile(extracted, b, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if strings.Join(files, ",") != "kymamesh-adapter,etc/ssl/certs/ca-certificates.crt" {
		t.Fatalf("layer files %v: want the binary and the CA bundle only (no shell)", files)
	}
	if runtime.GOOS == "linux" {
		out, err := exec.Command(extracted, "--version").Output()
		if err != nil || string(out) != "kymamesh-adapter v9.8.7\n" {
			t.Fatalf("the image's binary reports %q %v", out, err)
		}
	}
	// The same inputs make the same image, byte for byte.
	again := filepath.Join(dir, "again")
	if err := build(bin, ca, "v9.8.7", runtime.GOARCH, again); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(layout, "index.json"))
	b, _ := os.ReadFile(filepath.Join(again, "index.json"))
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same binary differ")
	}
}
