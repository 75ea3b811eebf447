//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listenInPod is the child process of TestDialInNetnsReachesThePodsLoopback:
// in a network namespace of its own, it listens on 127.0.0.1 only, says its
// port, and answers each connection with "pod".
func listenInPod() {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		fmt.Printf("error: %v %s\n", err, out)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, "pod")
		c.Close()
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("KUBELETLITE_TEST_POD") == "1" {
		listenInPod()
		return
	}
	os.Exit(m.Run())
}

// A port the pod listens on only on its own 127.0.0.1 is reached from inside
// its network namespace, as a kubelet's port-forward reaches it; the same
// address from the node's namespace is not the pod's.
func TestDialInNetnsReachesThePodsLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it makes a network namespace")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KUBELETLITE_TEST_POD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot make a network namespace here: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error") {
		t.Fatalf("the pod did not listen: %q %v", line, err)
	}
	addr := net.JoinHostPort("127.0.0.1", strings.TrimSpace(line))
	for range 3 { // the thread that dialled is back in the node's namespace each time
		c, err := dialInNetns(cmd.Process.Pid, addr)
		if err != nil {
			t.Fatalf("dialling %s in the pod: %v", addr, err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		got, _ := io.ReadAll(c)
		c.Close()
		if string(got) != "pod" {
			t.Fatalf("got %q from the pod's %s", got, addr)
		}
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		got, _ := io.ReadAll(c)
		c.Close()
		if string(got) == "pod" {
			t.Fatalf("the pod's loopback port was reached from the node's namespace")
		}
	}
	if _, err := dialInNetns(1<<22, addr); err == nil || !strings.Contains(err.Error(), "network namespace") {
		t.Fatalf("a process that does not exist: want an error naming its namespace, got %v", err)
	}
}
