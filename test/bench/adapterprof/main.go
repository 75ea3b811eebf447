// Command adapterprof runs the adapter as cmd/kymamesh-adapter does (the same
// configuration from the environment, the same Server) and writes a CPU
// profile for its whole run and an allocation profile at its end, for
// test/bench/profile.sh. It is a bench tool: nothing deploys it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 3 {
		return fmt.Errorf("usage: adapterprof CPU_PROFILE ALLOCS_PROFILE")
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := adapter.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cpu, err := os.Create(os.Args[1])
	if err != nil {
		return err
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	runErr := adapter.NewServer(cfg, log).Run(ctx, fmt.Sprintf("127.0.0.1:%d", cfg.Port), fmt.Sprintf("127.0.0.1:%d", cfg.MetricsPort))
	pprof.StopCPUProfile()
	allocs, err := os.Create(os.Args[2])
	if err != nil {
		return err
	}
	defer allocs.Close()
	if err := pprof.Lookup("allocs").WriteTo(allocs, 0); err != nil {
		return err
	}
	return runErr
}
