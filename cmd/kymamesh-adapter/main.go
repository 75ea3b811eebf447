// Command kymamesh-adapter is the HTTP source adapter the plugin deploys for each
// application: it receives the application's CloudEvents and forwards them to
// the application's Channel (K_SINK).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter"
)

// version is set by the release build (-X main.version=v1.2.3).
var version = "dev"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("kymamesh-adapter", version)
		return
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := adapter.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := adapter.NewServer(cfg, log)
	if err := srv.Run(ctx, fmt.Sprintf(":%d", cfg.Port), fmt.Sprintf(":%d", cfg.MetricsPort)); err != nil {
		log.Error("adapter failed", "error", err.Error())
		os.Exit(1)
	}
}
