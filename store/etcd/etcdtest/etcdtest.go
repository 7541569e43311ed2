// Package etcdtest runs a real etcd cluster inside a test process
// (go.etcd.io/etcd/server/v3/embed): members on loopback, on free ports,
// with their data in a directory the caller gives. Only tests import it, so
// the proactief binary does not link the etcd server.
package etcdtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Member is one embedded etcd member.
type Member struct {
	Name string
	// Endpoint is the member's client URL, http://127.0.0.1:PORT.
	Endpoint string
	etcd     *embed.Etcd
	stop     sync.Once
}

// ID returns the member's raft id.
func (m *Member) ID() uint64 { return uint64(m.etcd.Server.MemberID()) }

// Stop stops the member; stopping it again does nothing.
func (m *Member) Stop() { m.stop.Do(m.etcd.Close) }

// Cluster is an embedded etcd cluster.
type Cluster struct {
	Members []*Member
}

// Endpoints returns every member's client URL.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.Endpoint)
	}
	return eps
}

// Close stops every member.
func (c *Cluster) Close() {
	var wg sync.WaitGroup
	for _, m := range c.Members {
		wg.Go(m.Stop)
	}
	wg.Wait()
}

// Start starts an n-member cluster with its data in t.TempDir() and stops
// it when the test ends.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := New(t.TempDir(), n)
	if err != nil {
		t.Fatalf("start embedded etcd: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// Options configure NewWith. The zero value is what New starts.
type Options struct {
	// Pprof serves the members' Go profiles under /debug/pprof/ on their
	// client URLs (for measurements).
	Pprof bool
}

// New starts an n-member cluster with its data under dir and waits until
// it has a leader (at most 30 seconds).
func New(dir string, n int) (*Cluster, error) { return NewWith(dir, n, Options{}) }

// NewWith is New with options.
func NewWith(dir string, n int, opts Options) (*Cluster, error) {
	// Take every port first, then let go of them all together, so that
	// no two members get the same one.
	ls := make([]net.Listener, 0, 2*n)
	for range 2 * n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	urlOf := func(l net.Listener) url.URL {
		return url.URL{Scheme: "http", Host: l.Addr().String()}
	}
	token := make([]byte, 8)
	rand.Read(token)
	var initial []string
	cfgs := make([]*embed.Config, n)
	for i := range n {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = filepath.Join(dir, cfg.Name)
		cu, pu := urlOf(ls[2*i]), urlOf(ls[2*i+1])
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
		cfg.InitialClusterToken = "proactief-test-" + hex.EncodeToString(token)
		cfg.ClusterState = embed.ClusterStateFlagNew
		cfg.TickMs, cfg.ElectionMs = 100, 1000
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cfg.EnablePprof = opts.Pprof
		initial = append(initial, cfg.Name+"="+pu.String())
		cfgs[i] = cfg
	}
	for _, l := range ls {
		l.Close()
	}
	c := &Cluster{Members: make([]*Member, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		wg.Go(func() {
			e, err := embed.StartEtcd(cfg)
			if err != nil {
				errs[i] = fmt.Errorf("member %s: %w", cfg.Name, err)
				return
			}
			c.Members[i] = &Member{Name: cfg.Name, Endpoint: cfg.ListenClientUrls[0].String(), etcd: e}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, m := range c.Members {
			if m != nil {
				m.Stop()
			}
		}
		return nil, err
	}
	timeout := time.After(30 * time.Second)
	for _, m := range c.Members {
		select {
		case <-m.etcd.Server.ReadyNotify():
		case err := <-m.etcd.Err():
			c.Close()
			return nil, fmt.Errorf("member %s: %w", m.Name, err)
		case <-timeout:
			c.Close()
			return nil, fmt.Errorf("embedded etcd not ready after 30s")
		}
	}
	return c, nil
}
