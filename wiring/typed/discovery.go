package typed

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

// Discovery is the part of API discovery the plugin asks: the server's
// version, its groups and the resources of a group version (doctor, and unwire
// to list everything left in a namespace). Plain GETs: the
// discovery client brings OpenAPI and protobuf parsers the plugin never uses.
// client-go's discovery clients satisfy it too.
type Discovery interface {
	ServerVersion() (*version.Info, error)
	ServerGroups() (*metav1.APIGroupList, error)
	ServerResourcesForGroupVersion(groupVersion string) (*metav1.APIResourceList, error)
}

// NewDiscovery returns a Discovery for the server of cfg.
func NewDiscovery(cfg *rest.Config) (Discovery, error) {
	c := rest.CopyConfig(cfg)
	if c.Timeout == 0 {
		c.Timeout = 32 * time.Second // as client-go's discovery client: a hung server does not hang doctor
	}
	c.GroupVersion = nil
	c.APIPath = ""
	c.NegotiatedSerializer = serializer.NewCodecFactory(runtime.NewScheme()).WithoutConversion()
	rc, err := rest.UnversionedRESTClientFor(c)
	if err != nil {
		return nil, err
	}
	return &restDiscovery{rc: rc, ctx: context.Background()}, nil
}

type restDiscovery struct {
	rc  rest.Interface
	ctx context.Context
}

// WithContext returns d bound to ctx: its requests, TLS handshake included,
// end when ctx does (Ctrl-C), which client-go's context-free interface
// cannot say. Other Discovery implementations (fakes) are returned as they are.
func WithContext(ctx context.Context, d Discovery) Discovery {
	if r, ok := d.(*restDiscovery); ok {
		return &restDiscovery{rc: r.rc, ctx: ctx}
	}
	return d
}

func (d *restDiscovery) get(path string, into any) error {
	// The interface (client-go's) takes no context: d.ctx (WithContext), and
	// c.Timeout, bound it.
	body, err := d.rc.Get().AbsPath(path).Do(d.ctx).Raw()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

func (d *restDiscovery) ServerVersion() (*version.Info, error) {
	var v version.Info
	return &v, d.get("/version", &v)
}

func (d *restDiscovery) ServerResourcesForGroupVersion(gv string) (*metav1.APIResourceList, error) {
	var l metav1.APIResourceList
	path := "/apis/" + gv
	if gv == "v1" {
		path = "/api/v1"
	}
	if err := d.get(path, &l); err != nil {
		return nil, err
	}
	if l.GroupVersion == "" {
		l.GroupVersion = gv
	}
	return &l, nil
}

// ServerGroups lists the API groups, the core group ("", v1) first, as
// client-go's discovery client does.
func (d *restDiscovery) ServerGroups() (*metav1.APIGroupList, error) {
	var core metav1.APIVersions
	if err := d.get("/api", &core); err != nil {
		return nil, err
	}
	var groups metav1.APIGroupList
	if err := d.get("/apis", &groups); err != nil {
		return nil, err
	}
	if len(core.Versions) > 0 {
		legacy := metav1.APIGroup{Name: ""}
		for _, v := range core.Versions {
			legacy.Versions = append(legacy.Versions, metav1.GroupVersionForDiscovery{GroupVersion: v, Version: v})
		}
		legacy.PreferredVersion = legacy.Versions[0]
		groups.Groups = append([]metav1.APIGroup{legacy}, groups.Groups...)
	}
	return &groups, nil
}
