package injection

import "os"

// healthProbeAddr lets the test bed move the health-probe listener that every
// sharedmain process binds on the fixed port 8080: all Knative components run
// on one host there, so each gets KNATIVE_HEALTH_PROBES_ADDR=127.0.0.1:0.
// The test bed's build adds this file to its build-time copy of knative.dev/pkg.
func healthProbeAddr(port string) string {
	if addr := os.Getenv("KNATIVE_HEALTH_PROBES_ADDR"); addr != "" {
		return addr
	}
	return ":" + port
}
