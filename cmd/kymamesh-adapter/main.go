// Command kymamesh-adapter is the HTTP source adapter the plugin deploys for each
// application: it receives the application's CloudEvents and forwards them to
// the application's Channel (K_SINK). With the argument "receive" it is tail's
// receiver instead (package adapter/receiver), and with "deadletter" the
// dead-letter store (package adapter/deadletter), so one image serves all three.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/receiver"
)

// version is set by the release build (-X main.version=v1.2.3).
var version = "dev"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("kymamesh-adapter", version)
		return
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if len(os.Args) == 2 && os.Args[1] == "receive" {
		os.Exit(receive(log))
	}
	if len(os.Args) == 2 && os.Args[1] == "deadletter" {
		os.Exit(storeDeadLetters(log))
	}
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

// receive runs tail's receiver and returns the exit code.
func receive(log *slog.Logger) int {
	cfg, err := receiver.ConfigFromEnv(os.Getenv, os.ReadFile)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		return 2
	}
	remove := func(context.Context) error { return nil }
	if cfg.Owner != "" {
		if remove, err = receiver.RemoveOwner(cfg.Owner, log); err != nil {
			log.Error("bad configuration", "error", err.Error())
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := receiver.Run(ctx, cfg, log, remove); err != nil {
		log.Error("receiver failed", "error", err.Error())
		return 1
	}
	return 0
}

// storeDeadLetters runs the dead-letter store and returns the exit code.
func storeDeadLetters(log *slog.Logger) int {
	cfg, err := deadletter.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err.Error())
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := deadletter.Run(ctx, cfg, log); err != nil {
		log.Error("dead-letter store failed", "error", err.Error())
		return 1
	}
	return 0
}
