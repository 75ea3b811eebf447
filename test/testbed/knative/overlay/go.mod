// The overlay is a file build.sh adds to its copy of knative.dev/pkg, not a
// package of the plugin's module: this go.mod keeps it out of ./... .
module testinfra/knative-overlay

go 1.26.8
