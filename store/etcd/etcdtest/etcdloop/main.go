// Command etcdloop runs an etcd cluster of one or more members on loopback,
// embedded in this process (the same members store/etcd's tests start),
// for measurements such as `proactief bench --store etcd://...` against a
// real cluster in a process of its own. It prints one client endpoint per
// line and runs until interrupted; the data lives in a temporary directory
// that is removed at exit.
//
//	go run ./store/etcd/etcdtest/etcdloop -members 3
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/proactief/proactief/store/etcd/etcdtest"
)

func main() {
	members := flag.Int("members", 1, "members of the cluster")
	dir := flag.String("dir", "", "data directory (default: a temporary one, removed at exit)")
	pprof := flag.Bool("pprof", false, "serve the members' Go profiles under /debug/pprof/ on their client URLs")
	flag.Parse()
	if err := run(*members, *dir, *pprof); err != nil {
		fmt.Fprintln(os.Stderr, "etcdloop:", err)
		os.Exit(1)
	}
}

func run(members int, dir string, pprof bool) error {
	if members < 1 {
		return fmt.Errorf("-members must be at least 1")
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "etcdloop-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := etcdtest.NewWith(dir, members, etcdtest.Options{Pprof: pprof})
	if err != nil {
		return err
	}
	defer c.Close()
	for _, ep := range c.Endpoints() {
		fmt.Println(ep)
	}
	<-ctx.Done()
	return nil
}
