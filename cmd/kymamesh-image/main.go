// Command kymamesh-image builds the adapter's container image without a
// container engine or a registry: an OCI image layout (a folder, or with
// -tar one tarball that `docker load`, podman and crane read) holding one
// layer with the adapter binary and the CA bundle, run as a non-root user.
// Usage: kymamesh-image -binary PATH -version V [-arch amd64] -out DIR [-tar FILE]
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The image's fixed parts: what the adapter's Deployment relies on.
const (
	entrypoint = "/kymamesh-adapter"
	user       = "65532:65532" // the Deployment's runAsUser and runAsGroup
	caBundle   = "/etc/ssl/certs/ca-certificates.crt"
	source     = "https://github.com/kubectl-kymamesh/kubectl-kymamesh"
)

// epoch is every file's time: the same binary makes the same image.
var epoch = time.Unix(0, 0).UTC()

func main() {
	binary := flag.String("binary", "", "the adapter binary (linux, static)")
	version := flag.String("version", "", "the image's version (its tag)")
	arch := flag.String("arch", "amd64", "the binary's architecture")
	out := flag.String("out", "", "the OCI layout folder to write")
	tarball := flag.String("tar", "", "also write the layout as one tarball")
	ca := flag.String("ca", caBundle, "the CA bundle to put in the image (https sinks); empty for none")
	flag.Parse()
	if *binary == "" || *version == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "error: -binary, -version and -out are required")
		os.Exit(2)
	}
	if err := build(*binary, *ca, *version, *arch, *out); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if *tarball != "" {
		if err := tarDir(*out, *tarball); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// imageConfig is the OCI image configuration (the fields set here).
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Created      string `json:"created"`
	Config       struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		Env        []string          `json:"Env"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

func build(binary, ca, version, arch, out string) error {
	layer, diffID, err := layerTar(binary, ca)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.ModTime = epoch
	if _, err := zw.Write(layer); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var cfg imageConfig
	cfg.Architecture, cfg.OS, cfg.Created = arch, "linux", epoch.Format(time.RFC3339)
	cfg.Config.User, cfg.Config.Entrypoint = user, []string{entrypoint}
	cfg.Config.Env = []string{"SSL_CERT_FILE=" + caBundle}
	cfg.Config.Labels = map[string]string{"org.opencontainers.image.version": version, "org.opencontainers.image.source": source,
		"org.opencontainers.image.licenses": "Apache-2.0", "org.opencontainers.image.title": "kymamesh-adapter"}
	cfg.RootFS.Type, cfg.RootFS.DiffIDs = "layers", []string{diffID}
	cfgJSON, _ := json.Marshal(cfg)
	if err := os.MkdirAll(filepath.Join(out, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	cfgDesc, err := blob(out, "application/vnd.oci.image.config.v1+json", cfgJSON)
	if err != nil {
		return err
	}
	layerDesc, err := blob(out, "application/vnd.oci.image.layer.v1.tar+gzip", gz.Bytes())
	if err != nil {
		return err
	}
	manifest, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": cfgDesc, "layers": []descriptor{layerDesc}})
	manDesc, err := blob(out, "application/vnd.oci.image.manifest.v1+json", manifest)
	if err != nil {
		return err
	}
	manDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": version}
	manDesc.Platform = &platform{Architecture: arch, OS: "linux"}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []descriptor{manDesc}})
	if err := os.WriteFile(filepath.Join(out, "index.json"), index, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// layerTar is the image's one layer, uncompressed, and its digest (the diff ID):
// the binary, and the CA bundle if there is one. No shell, nothing else.
func layerTar(binary, ca string) ([]byte, string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name, from string, mode int64) error {
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	}
	if err := add(entrypoint[1:], binary, 0o755); err != nil {
		return nil, "", err
	}
	if ca != "" {
		for _, dir := range []string{"etc/", "etc/ssl/", "etc/ssl/certs/"} {
			if err := tw.WriteHeader(&tar.Header{Name: dir, Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
				return nil, "", err
			}
		}
		if err := add(caBundle[1:], ca, 0o644); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), "sha256:" + hex.EncodeToString(sum[:]), nil
}

// blob writes data under its digest and describes it.
func blob(out, mediaType string, data []byte) (descriptor, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	err := os.WriteFile(filepath.Join(out, "blobs", "sha256", hexSum), data, 0o644)
	return descriptor{MediaType: mediaType, Digest: "sha256:" + hexSum, Size: int64(len(data))}, err
}

// tarDir writes the layout folder as one tarball, files in a fixed order.
func tarDir(dir, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir})
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return err
		}
		_, err = io.Copy(tw, bytes.NewReader(data))
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
