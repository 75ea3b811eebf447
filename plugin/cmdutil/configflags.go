package cmdutil

import (
	"strings"
	"sync"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ConfigFlags are kubectl's connection flags (--kubeconfig, --context, -n, -s,
// --as, --token, --request-timeout, ...), bound straight to client-go's
// kubeconfig loader. cli-runtime's ConfigFlags would do the same, but its
// package brings the resource builder and every API group's types (about 35 MB
// of binary and 20 MiB of memory at start; docs/benchmarks.md, "Weight").
type ConfigFlags struct {
	KubeConfig string
	// CacheDir is accepted for kubectl's sake; there is no discovery to cache.
	CacheDir  string
	Overrides clientcmd.ConfigOverrides
	// Kubeconfigs, when set, shares the kubeconfig files' content between
	// the command trees of one process (batch's lines).
	Kubeconfigs *KubeconfigCache

	loader  sync.Once
	config  clientcmd.ClientConfig
	restCfg func() (*rest.Config, error)
}

// NewConfigFlags returns the flags with kubectl's defaults.
func NewConfigFlags() *ConfigFlags {
	return &ConfigFlags{Overrides: clientcmd.ConfigOverrides{ClusterDefaults: clientcmd.ClusterDefaults}}
}

// AddFlags registers the flags as kubectl names them.
func (f *ConfigFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.KubeConfig, "kubeconfig", "", "Path to the kubeconfig file to use for CLI requests.")
	fs.StringVar(&f.CacheDir, "cache-dir", "", "Default cache directory (accepted as kubectl does; nothing is cached)")
	names := clientcmd.RecommendedConfigOverrideFlags("")
	names.ClusterOverrideFlags.APIServer.ShortName = "s"
	// kubectl has no --proxy-url, --username or --password.
	names.ClusterOverrideFlags.ProxyURL.LongName = ""
	names.AuthOverrideFlags.Username.LongName = ""
	names.AuthOverrideFlags.Password.LongName = ""
	// kubectl's wording where client-go's differs.
	names.AuthOverrideFlags.Impersonate.Description = "Username to impersonate for the operation. User could be a regular user or a service account in a namespace."
	names.AuthOverrideFlags.ImpersonateUID.Description = "UID to impersonate for the operation."
	names.ClusterOverrideFlags.TLSServerName.Description = "Server name to use for server certificate validation. If it is not provided, the hostname used to contact the server is used"
	clientcmd.BindOverrideFlags(&f.Overrides, fs, names)
}

// NamespaceSet says whether -n was given.
func (f *ConfigFlags) NamespaceSet() bool { return f.Overrides.Context.Namespace != "" }

// ToRawKubeConfigLoader returns the kubeconfig as the flags amend it, loaded
// once per command.
func (f *ConfigFlags) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	f.loader.Do(func() {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.DefaultClientConfig = &clientcmd.DefaultClientConfig
		rules.ExplicitPath = f.KubeConfig
		var loader clientcmd.ClientConfigLoader = rules
		if f.Kubeconfigs != nil {
			loader = &cachedLoader{ClientConfigLoadingRules: rules, cache: f.Kubeconfigs}
		}
		f.config = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loader, &f.Overrides)
		f.restCfg = sync.OnceValues(f.config.ClientConfig)
	})
	return f.config
}

// ToRESTConfig returns the connection to the API server.
func (f *ConfigFlags) ToRESTConfig() (*rest.Config, error) {
	f.ToRawKubeConfigLoader()
	cfg, err := f.restCfg()
	if err != nil {
		return nil, err
	}
	// Callers may change their copy (QPS for access reviews).
	return rest.CopyConfig(cfg), nil
}

// KubeconfigCache holds kubeconfig files as loaded, by the files they came
// from: reading and parsing them was a tenth of a batch line's CPU.
type KubeconfigCache struct {
	mu     sync.Mutex
	loaded map[string]*clientcmdapi.Config
}

// NewKubeconfigCache returns an empty cache.
func NewKubeconfigCache() *KubeconfigCache {
	return &KubeconfigCache{loaded: map[string]*clientcmdapi.Config{}}
}

// cachedLoader loads as its rules do, once per set of files.
type cachedLoader struct {
	*clientcmd.ClientConfigLoadingRules
	cache *KubeconfigCache
}

func (l *cachedLoader) Load() (*clientcmdapi.Config, error) {
	key := l.ExplicitPath + "\x00" + strings.Join(l.Precedence, "\x00")
	l.cache.mu.Lock()
	defer l.cache.mu.Unlock()
	if cfg, ok := l.cache.loaded[key]; ok {
		return cfg.DeepCopy(), nil
	}
	cfg, err := l.ClientConfigLoadingRules.Load()
	if err != nil {
		return nil, err // not kept: the next line reports it as typed alone
	}
	l.cache.loaded[key] = cfg
	return cfg.DeepCopy(), nil
}
