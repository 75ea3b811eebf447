//go:build linux

package main

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
)

// podNetwork gives each pod what a CNI plugin would: its own network
// namespace with an address on a bridge of the node, so every pod can listen
// on the same port and is reached by its own IP. The node (the test bed's
// namespace) holds the bridge's first address, where the pods find the HTTP
// proxy that stands in for cluster DNS and kube-proxy.
type podNetwork struct {
	bridge  string
	prefix  string // "10.244.0."
	gateway string // prefix + "1"
	used    map[int]bool
	last    int // the last host number handed out
}

func newPodNetwork(cidr string) (*podNetwork, error) {
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil || ip.To4() == nil || !strings.HasSuffix(ipnet.String(), "/24") {
		return nil, fmt.Errorf("pod network %q: want an IPv4 /24", cidr)
	}
	base := ip.To4().Mask(ipnet.Mask)
	n := &podNetwork{bridge: "kmpods0", prefix: fmt.Sprintf("%d.%d.%d.", base[0], base[1], base[2]), used: map[int]bool{}, last: 1}
	n.gateway = n.prefix + "1"
	for _, args := range [][]string{
		{"link", "add", n.bridge, "type", "bridge"},
		{"addr", "add", n.gateway + "/24", "dev", n.bridge},
		{"link", "set", n.bridge, "up"},
	} {
		if err := ip4(args...); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// allocate takes a free address of the pod network, the next after the
// last one handed out: an address given back is not reused at once, while
// neighbours may still hold its old pod's link address (as a CNI's IPAM
// avoids too).
func (n *podNetwork) allocate() (string, error) {
	for i := 1; i <= 253; i++ {
		h := (n.last-2+i)%253 + 2 // 2..254
		if !n.used[h] {
			n.used[h], n.last = true, h
			return n.prefix + strconv.Itoa(h), nil
		}
	}
	return "", fmt.Errorf("pod network %s0/24 is full", n.prefix)
}

// attach wires the network namespace of process pid to the bridge with the
// allocated address addr. The namespace (and its end of the link) goes away
// with the process; release gives the address back.
func (n *podNetwork) attach(pid int, addr string) error {
	veth := "kmv" + strings.TrimPrefix(addr, n.prefix)
	_ = ip4("link", "del", veth) // left over from a pod whose namespace lingers
	if err := ip4("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", strconv.Itoa(pid)); err != nil {
		return err
	}
	if err := ip4("link", "set", veth, "master", n.bridge, "up"); err != nil {
		return err
	}
	inside := "ip link set lo up && ip addr add " + addr + "/24 dev eth0 && ip link set eth0 up && ip route add default via " + n.gateway
	if out, err := exec.Command("nsenter", "--net=/proc/"+strconv.Itoa(pid)+"/ns/net", "sh", "-c", inside).CombinedOutput(); err != nil {
		return fmt.Errorf("pod network inside pid %d: %w: %s", pid, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// release gives addr back and forgets its link address here.
func (n *podNetwork) release(addr string) {
	if h, err := strconv.Atoi(strings.TrimPrefix(addr, n.prefix)); err == nil {
		delete(n.used, h)
	}
	_ = ip4("neigh", "flush", "to", addr, "dev", n.bridge)
}

func ip4(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
