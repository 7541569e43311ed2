package etcd

import (
	"context"
	"fmt"
	"sync"

	"go.etcd.io/etcd/client/v3/concurrency"
)

// Campaign blocks until this instance leads the job called name (the
// sweeper, the Telegram poller, the Mattermost listener) among every
// instance on the same Prefix, or ctx ends. resign gives the leadership up;
// call it when the job stops. See Lead to learn when leadership is lost.
func (s *Store) Campaign(ctx context.Context, name string) (resign func(), err error) {
	_, resign, err = s.Lead(ctx, name)
	return resign, err
}

// Lead is Campaign that also returns a context that ends when the
// leadership does: on resign, when ctx ends, or when this process's lease
// expired (it lost contact with the cluster for 10 seconds, and another
// instance may lead now). Run the job under that context.
func (s *Store) Lead(ctx context.Context, name string) (context.Context, func(), error) {
	sess, err := concurrency.NewSession(s.cli, concurrency.WithTTL(leaderTTL))
	if err != nil {
		return nil, nil, fmt.Errorf("campaign %s: %w", name, storeErr(ctx, err))
	}
	e := concurrency.NewElection(sess, s.prefix+"election/"+name)
	if err := e.Campaign(ctx, s.id); err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("campaign %s: %w", name, storeErr(ctx, err))
	}
	s.log.Info("leading", "job", name, "instance", s.id)
	lctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-sess.Done():
			s.log.Warn("leadership lost", "job", name, "instance", s.id)
		case <-lctx.Done():
		}
		cancel()
	}()
	var once sync.Once
	resign := func() {
		once.Do(func() {
			cancel()
			rctx, done := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
			defer done()
			if err := e.Resign(rctx); err != nil {
				s.log.Warn("resign failed; the lease expires instead", "job", name, "err", err)
			}
			sess.Close()
		})
	}
	return lctx, resign, nil
}
