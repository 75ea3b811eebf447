package cmdutil

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spf13/cobra"
)

// A cluster that never answers gives no suggestions instead of a hung shell:
// every look-up is bounded by completionTimeout. (Without the bound this test
// would block until the server is closed at its end.)
func TestCompletionGivesUpOnASilentCluster(t *testing.T) {
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(release)
	flags := NewConfigFlags()
	flags.Overrides.ClusterInfo.Server = silent.URL
	cmd := &cobra.Command{}
	cmd.SetContext(context.Background())
	names, dir := CompleteNamespaces(NewFactory(flags))(cmd, nil, "")
	if len(names) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Fatalf("got %v %v", names, dir)
	}
}
