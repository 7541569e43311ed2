package etcd

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/store/codec"
)

// SchemaVersion is the layout of the keys this package writes. 2: session
// values in the binary form (see recordTag); 1: JSON, still read. Open
// marks a prefix of schema 1 as 2, so that a proactief from before refuses
// it rather than fail on a binary session.
const SchemaVersion = 2

// Errors of this package.
var (
	// ErrSchema is returned by Open when the prefix was written by a newer
	// proactief.
	ErrSchema = errors.New("etcd prefix was written by a newer version of proactief")
	// ErrURL is returned by ParseURL for a URL it cannot use.
	ErrURL = errors.New("invalid etcd store URL")
	// ErrOutcomeUnknown is returned (wrapped, together with
	// bot.ErrUnavailable) when a write may or may not have been committed
	// and the store could not find out which.
	ErrOutcomeUnknown = errors.New("outcome of the write unknown")
)

// Limits of one transaction, below etcd's default --max-txn-ops of 128.
const (
	maxTurnsPerUpdate = 120
	maxTallyPerTxn    = 120
	pageSize          = 500
	maxAttempts       = 100
	leaderTTL         = 10 // seconds
)

// Options configure Open. The zero value works.
type Options struct {
	// Prefix is put before every key; it ends in "/" (one is added when
	// missing). Default "/proactief/". Give every deployment its own.
	Prefix string
	// DialTimeout bounds authentication and the lease keep-alive of the
	// client; 0 means 5 seconds.
	DialTimeout time.Duration
	// RequestTimeout bounds every request to the cluster; 0 means 5 seconds.
	RequestTimeout time.Duration
	// TLS, when set, is used for the connections to the cluster.
	TLS *tls.Config
	// Username and Password authenticate with etcd's auth, when set.
	// Take the password from the environment or a file, never a flag.
	Username, Password string
	// Logger receives retries, compactions and failures; nil discards.
	Logger *slog.Logger
	// CompactAfterErase is the longest an erased value stays readable at an
	// old revision: after an erasure the history is compacted in the
	// background, at most once per this interval. 0 means 10 seconds; a
	// negative value turns compaction off (see the package's Caveats).
	CompactAfterErase time.Duration

	// SessionCache is how many sessions this instance wrote last it
	// remembers (1 to 3 kB each), so that the next message of
	// the conversation is one conditional write instead of a read and a
	// write. A session another instance changed since is read by the
	// failed condition, so the cache is never trusted blindly. 0 means
	// 10,000; negative turns it off.
	SessionCache int

	// TallyInterval is how long Tally gathers counter deltas in memory
	// before it commits them, in one transaction for every message of that
	// time; a crash of the process loses at most the deltas of this long
	// (see the package's Caveats). 0 means 1 second; a negative value
	// commits as soon as the previous commit finished.
	TallyInterval time.Duration

	// CommitsInFlight is how many session transactions this instance has
	// in flight at once; the session writes that arrive while that many
	// are in flight are sent together in the next one (see commit.go).
	// 0 means 4; 1 sends one transaction at a time.
	CommitsInFlight int

	// compacted, when set (tests), receives the revision of every
	// compaction after an erasure.
	compacted chan int64
}

// Store is a bot.Store on an etcd cluster.
type Store struct {
	cli    *clientv3.Client
	opts   Options
	log    *slog.Logger
	prefix string
	id     string // this instance, for elections
	cache  *sessionCache
	commit *committer

	erased chan struct{} // an erasure waits for compaction (buffer 1)
	quit   chan struct{}
	done   chan struct{} // the compactor stopped
	close  sync.Once

	tally tallyState
}

var (
	_ bot.Store      = (*Store)(nil)
	_ bot.TallyDrops = (*Store)(nil)
)

// Open connects to the etcd cluster at endpoints ("host:port", or URLs with
// http:// or https://), checks the schema under opts.Prefix and records it
// when the prefix is new. It returns an error wrapping bot.ErrUnavailable
// when the cluster cannot be reached within opts.RequestTimeout, and
// ErrSchema for a prefix written by a newer proactief.
func Open(ctx context.Context, endpoints []string, opts Options) (*Store, error) {
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("open etcd: no endpoints")
	}
	if opts.Prefix == "" {
		opts.Prefix = "/proactief/"
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.CompactAfterErase == 0 {
		opts.CompactAfterErase = 10 * time.Second
	}
	if opts.TallyInterval == 0 {
		opts.TallyInterval = time.Second
	}
	if opts.CommitsInFlight <= 0 {
		opts.CommitsInFlight = 4
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: opts.DialTimeout,
		TLS:         opts.TLS,
		Username:    opts.Username,
		Password:    opts.Password,
		Logger:      zap.NewNop(),
		Context:     context.WithoutCancel(ctx),
	})
	if err != nil {
		return nil, fmt.Errorf("open etcd %s: %w", strings.Join(endpoints, ","), err)
	}
	s := &Store{
		cli:    cli,
		opts:   opts,
		log:    log,
		prefix: opts.Prefix,
		id:     instanceID(),
		erased: make(chan struct{}, 1),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if err := s.checkSchema(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("open etcd %s%s: %w", strings.Join(endpoints, ","), opts.Prefix, err)
	}
	s.cache = newSessionCache(opts.SessionCache)
	s.commit = newCommitter(s, opts.CommitsInFlight)
	s.tally.init()
	go s.commit.run()
	go s.compactor()
	go s.tallyLoop()
	return s, nil
}

func (s *Store) checkSchema(ctx context.Context) error {
	key := s.prefix + "schema"
	return s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, strconv.Itoa(SchemaVersion))).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return err
		}
		if resp.Succeeded {
			return nil
		}
		kvs := resp.Responses[0].GetResponseRange().Kvs
		if len(kvs) == 0 {
			return nil
		}
		n, err := strconv.Atoi(string(kvs[0].Value))
		if err != nil {
			return fmt.Errorf("%w: schema %q", ErrSchema, kvs[0].Value)
		}
		if n > SchemaVersion {
			return fmt.Errorf("%w: schema %d, this program knows %d", ErrSchema, n, SchemaVersion)
		}
		if n < SchemaVersion {
			// Mark it ours; a concurrent Open that did so first is fine too.
			_, err := s.cli.Txn(ctx).
				If(clientv3.Compare(clientv3.Value(key), "=", string(kvs[0].Value))).
				Then(clientv3.OpPut(key, strconv.Itoa(SchemaVersion))).
				Commit()
			return err
		}
		return nil
	})
}

// ClaimSecret records fingerprint as the fingerprint of the secret that
// keys the pseudonyms under this prefix, unless one is recorded already,
// and returns the one recorded now. An instance whose fingerprint differs
// from the result holds another secret and must not use the store.
func (s *Store) ClaimSecret(ctx context.Context, fingerprint string) (string, error) {
	key := s.prefix + "secret-fingerprint"
	var got string
	err := s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, fingerprint)).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return err
		}
		got = fingerprint
		if !resp.Succeeded {
			if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
				got = string(kvs[0].Value)
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("secret fingerprint: %w", storeErr(ctx, err))
	}
	return got, nil
}

func instanceID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Store) sessionKey(key string) string { return s.prefix + "s/" + key }

func (s *Store) researchPrefix(pseudonym string) string { return s.prefix + "r/" + pseudonym + "/" }

func (s *Store) researchKey(pseudonym string, seq int) string {
	return fmt.Sprintf("%s%012d", s.researchPrefix(pseudonym), seq)
}

func (s *Store) tallyKey(name string) string { return s.prefix + "t/" + name }

// A session key holds the session and the nonce of the write that put it,
// by which a writer recognises its own write. Since schema 2 the value is
// recordTag, the nonce (uvarint length and bytes), then the session in the
// binary form of package codec: it is about half the size of the JSON and
// decodes ten times faster, and decoding the JSON was a third of the CPU
// of a message under load (profile of `proactief bench --cpuprofile` at 64
// conversations at once, issue 19). Values of schema 1 are JSON (stored)
// and are still read; they are rewritten in the binary form the next time
// their session changes.
const recordTag = 0xE5

// stored is a session value of schema 1.
type stored struct {
	Write string `json:"write"`
	*bot.Session
}

func encodeSession(nonce string, sess *bot.Session) []byte {
	b := codec.Encode(sess)
	v := make([]byte, 0, 1+binary.MaxVarintLen64+len(nonce)+len(b))
	v = append(v, recordTag)
	v = binary.AppendUvarint(v, uint64(len(nonce)))
	v = append(v, nonce...)
	return append(v, b...)
}

func decodeSession(v []byte) (*bot.Session, string, error) {
	if len(v) > 0 && v[0] == recordTag {
		n, w := binary.Uvarint(v[1:])
		if w <= 0 || n > uint64(len(v)-1-w) {
			return nil, "", fmt.Errorf("decode session: %w: nonce", codec.ErrDamaged)
		}
		nonce := string(v[1+w : 1+w+int(n)])
		sess, err := codec.Decode(v[1+w+int(n):])
		if err != nil {
			return nil, "", err
		}
		return sess, nonce, nil
	}
	st := stored{Session: &bot.Session{}}
	if err := json.Unmarshal(v, &st); err != nil {
		return nil, "", fmt.Errorf("decode session: %w: %w", codec.ErrDamaged, err)
	}
	return st.Session, st.Write, nil
}

// Get implements bot.Store.
func (s *Store) Get(ctx context.Context, key string) (*bot.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var sess *bot.Session
	err := s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Get(ctx, s.sessionKey(key))
		if err != nil {
			return err
		}
		if len(resp.Kvs) == 0 {
			return bot.ErrNotFound
		}
		sess, _, err = decodeSession(resp.Kvs[0].Value)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get session %s: %w", key, err)
	}
	return sess, nil
}

// Update implements bot.Store. The write is conditional on the session's
// ModRevision; on conflict fn runs again on the newer session.
func (s *Store) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sk := s.sessionKey(key)
	var (
		cur     *mvccpb.KeyValue // the session as last read; nil when absent
		readRev int64            // the store revision of that read
		fresh   bool             // cur/readRev are current enough to try
		lastErr error            // the transient error of the last attempt
	)
	if kv := s.cache.get(sk); kv != nil {
		// This instance wrote the session last (as far as it knows): write
		// without reading first. If another wrote it since, the condition
		// fails and the transaction returns the newer session.
		cur, readRev, fresh = kv, kv.ModRevision, true
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if attempt >= maxAttempts || (lastErr != nil && time.Since(start) >= 2*s.opts.RequestTimeout) {
				if lastErr != nil {
					return fmt.Errorf("update session %s: %w after %d attempts: %w", key, bot.ErrUnavailable, attempt, lastErr)
				}
				return fmt.Errorf("update session %s: %w after %d attempts", key, bot.ErrConflict, attempt)
			}
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		if !fresh {
			rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
			resp, err := s.cli.Get(rctx, sk)
			cancel()
			if err != nil {
				if ctx.Err() == nil && transient(err) {
					s.log.Debug("etcd read failed, retrying", "op", "update", "attempt", attempt, "err", err)
					lastErr = err
					continue
				}
				return fmt.Errorf("update session %s: %w", key, storeErr(ctx, err))
			}
			cur, readRev, fresh = nil, resp.Header.Revision, true
			if len(resp.Kvs) > 0 {
				cur = resp.Kvs[0]
			}
		}

		var sess *bot.Session
		var modRev int64
		if cur != nil {
			var err error
			if sess, _, err = decodeSession(cur.Value); err != nil {
				return fmt.Errorf("update session %s: %w", key, err)
			}
			modRev = cur.ModRevision
		} else {
			sess = &bot.Session{Key: key}
		}
		if err := fn(sess); err != nil {
			return err
		}
		sess.Key = key
		outbox, cancelled, err := s.outboxOps(ctx, key, sess)
		if err != nil {
			return fmt.Errorf("update session %s: %w", key, err)
		}
		w, err := s.write(sess, sk, cur != nil)
		if err != nil {
			return fmt.Errorf("update session %s: %w", key, err)
		}
		w.addOutbox(outbox, cancelled, sess.Outbox)
		if len(w.ops) == 0 {
			return nil // not kept, never was, no research: nothing to write
		}

		res, err := s.commit.commit(ctx, sk, modRev, w.ops)
		if err == nil {
			err = res.err
		}
		switch {
		case err == nil && res.ok:
			if w.op == opPut {
				s.cache.put(sk, &mvccpb.KeyValue{Key: []byte(sk), Value: []byte(w.value), ModRevision: res.rev})
			} else {
				s.cache.del(sk)
			}
			if w.erases || res.deleted > 0 {
				s.afterErase()
			}
			return nil
		case err == nil:
			// Lost against another writer: run fn again on what it wrote.
			cur, readRev = res.cur, res.rev
			s.cache.del(sk)
			s.log.Debug("etcd session write conflict, retrying", "attempt", attempt)
			lastErr = nil
			continue
		case ctx.Err() == nil && notApplied(err):
			fresh, lastErr = false, err
			continue
		case !transient(err):
			s.cache.del(sk)
			return fmt.Errorf("update session %s: %w", key, storeErr(ctx, err))
		}
		s.cache.del(sk)
		// The write may or may not have been committed: find out.
		ok, cerr := s.committed(ctx, sk, w, modRev, readRev)
		if cerr != nil {
			s.log.Warn("etcd session write outcome unknown", "err", err, "check", cerr)
			return fmt.Errorf("update session %s: %w: %w (%v; %v)", key, bot.ErrUnavailable, ErrOutcomeUnknown, err, cerr)
		}
		if ok {
			if w.erases || w.op == opDelete {
				s.afterErase()
			}
			return nil
		}
		s.log.Debug("etcd session write not committed, retrying", "attempt", attempt, "err", err)
		fresh, lastErr = false, err
	}
}

type sessionOp int

const (
	opNone sessionOp = iota
	opPut
	opDelete
)

// write is the transaction of one Update attempt.
type write struct {
	ops    []clientv3.Op
	op     sessionOp
	nonce  string
	value  string // what opPut writes under the session key
	erases bool   // research records (or envelopes) are erased
	// envelope is the ID of the first envelope added, "" for none.
	envelope string
}

func (s *Store) write(sess *bot.Session, sk string, existed bool) (write, error) {
	var w write
	if len(sess.ResearchOut) > maxTurnsPerUpdate {
		return w, fmt.Errorf("%d research turns in one write, at most %d", len(sess.ResearchOut), maxTurnsPerUpdate)
	}
	puts := make(map[string][]byte, len(sess.ResearchOut))
	keys := make([]string, 0, len(sess.ResearchOut))
	for _, t := range sess.ResearchOut {
		v, err := json.Marshal(t)
		if err != nil {
			return w, err
		}
		k := s.researchKey(t.Pseudonym, t.Seq)
		if _, dup := puts[k]; !dup {
			keys = append(keys, k)
		}
		puts[k] = v
	}
	sort.Strings(keys)
	if sess.EraseResearch != "" {
		// etcd refuses a put inside a range deleted by the same
		// transaction: delete around the turns written again.
		w.erases = true
		p := s.researchPrefix(sess.EraseResearch)
		from, end := p, clientv3.GetPrefixRangeEnd(p)
		for _, k := range keys {
			if strings.HasPrefix(k, p) {
				if k > from {
					w.ops = append(w.ops, clientv3.OpDelete(from, clientv3.WithRange(k)))
				}
				from = k + "\x00"
			}
		}
		w.ops = append(w.ops, clientv3.OpDelete(from, clientv3.WithRange(end)))
	}
	for _, k := range keys {
		w.ops = append(w.ops, clientv3.OpPut(k, string(puts[k])))
	}
	if !sess.Persistent() {
		if existed {
			w.op = opDelete
			w.ops = append(w.ops, clientv3.OpDelete(sk))
		}
		return w, nil
	}
	sess.Version++
	w.op, w.nonce = opPut, instanceID()
	w.value = string(encodeSession(w.nonce, sess))
	w.ops = append(w.ops, clientv3.OpPut(sk, w.value))
	return w, nil
}

// committed finds out whether write w, conditional on the session key sk
// having ModRevision modRev, was committed after the read at readRev.
func (s *Store) committed(ctx context.Context, sk string, w write, modRev, readRev int64) (bool, error) {
	if w.op == opNone {
		// Only research and outbox puts and deletes: doing them again
		// changes nothing, except adding an envelope a second time.
		return s.envelopeCommitted(ctx, w.envelope)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.opts.RequestTimeout)
	defer cancel()
	var resp *clientv3.GetResponse
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		resp, err = s.cli.Get(ctx, sk)
		return err
	})
	if err != nil {
		return false, err
	}
	var now *mvccpb.KeyValue
	if len(resp.Kvs) > 0 {
		now = resp.Kvs[0]
		if _, nonce, err := decodeSession(now.Value); err == nil && w.op == opPut && nonce == w.nonce {
			return true, nil
		}
	}
	if modRev > 0 {
		if now != nil && now.ModRevision == modRev {
			return false, nil // untouched: not committed
		}
		// Our write, if committed, is the first change after modRev.
		ev, err := s.firstEvent(ctx, sk, modRev+1)
		if err != nil {
			return false, err
		}
		if ev.Type == mvccpb.DELETE {
			return w.op == opDelete, nil
		}
		_, nonce, err := decodeSession(ev.Kv.Value)
		return err == nil && w.op == opPut && nonce == w.nonce, nil
	}
	// The session was absent: our put, if committed, came after readRev
	// and was overwritten or deleted since. Look through every change.
	found := false
	err = s.history(ctx, sk, readRev+1, resp.Header.Revision, func(ev *clientv3.Event) {
		if ev.Type == mvccpb.PUT {
			if _, nonce, err := decodeSession(ev.Kv.Value); err == nil && nonce == w.nonce {
				found = true
			}
		}
	})
	return found, err
}

// history calls fn for every change of key from revision from up to
// revision to.
func (s *Store) history(ctx context.Context, key string, from, to int64, fn func(*clientv3.Event)) error {
	if from > to {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wch := s.cli.Watch(wctx, key, clientv3.WithRev(from), clientv3.WithCreatedNotify())
	// The server answers a progress request only once the watcher has
	// caught up with the past; the answer comes after the past changes.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	created := false
	for {
		select {
		case <-tick.C:
			if created {
				if err := s.cli.RequestProgress(wctx); err != nil {
					return err
				}
			}
			continue
		case wr, ok := <-wch:
			if !ok {
				if err := ctx.Err(); err != nil {
					return err
				}
				return errors.New("watch closed")
			}
			if err := wr.Err(); err != nil {
				return err
			}
			if wr.Created {
				created = true
				continue
			}
			for _, ev := range wr.Events {
				if ev.Kv.ModRevision > to {
					return nil
				}
				fn(ev)
				if ev.Kv.ModRevision == to {
					return nil
				}
			}
			if wr.IsProgressNotify() && wr.Header.Revision >= to {
				return nil
			}
		}
	}
}

// firstEvent returns the first change of key at or after revision rev.
func (s *Store) firstEvent(ctx context.Context, key string, rev int64) (*clientv3.Event, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for wr := range s.cli.Watch(wctx, key, clientv3.WithRev(rev)) {
		if err := wr.Err(); err != nil {
			return nil, err
		}
		if len(wr.Events) > 0 {
			return wr.Events[0], nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("watch closed")
}

func deleted(resp *clientv3.TxnResponse) int64 { return deletedIn(resp.Responses) }

// Delete implements bot.Store.
func (s *Store) Delete(ctx context.Context, key, research string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.cache.del(s.sessionKey(key))
	ops, err := s.deleteEnvelopesOps(ctx, key)
	if err != nil {
		return fmt.Errorf("delete session %s: %w", key, err)
	}
	ops = append(ops, clientv3.OpDelete(s.sessionKey(key)))
	if research != "" {
		ops = append(ops, clientv3.OpDelete(s.researchPrefix(research), clientv3.WithPrefix()))
	}
	var n int64
	err = s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Txn(ctx).Then(ops...).Commit()
		if err == nil {
			n += deleted(resp)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session %s: %w", key, err)
	}
	if n > 0 {
		s.afterErase()
	}
	return nil
}

// Sweep implements bot.Store. A session changed by another instance while
// the sweep ran is left alone.
func (s *Store) Sweep(ctx context.Context, sessionsBefore, researchBefore time.Time) (int, int, error) {
	var old []*mvccpb.KeyValue
	err := s.scan(ctx, s.prefix+"s/", func(kv *mvccpb.KeyValue) error {
		sess, _, err := decodeSession(kv.Value)
		if err != nil || sess.Conv.Updated.Before(sessionsBefore) {
			old = append(old, &mvccpb.KeyValue{Key: kv.Key, ModRevision: kv.ModRevision})
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sweep: %w", err)
	}
	for _, kv := range old {
		s.cache.del(string(kv.Key))
	}
	ns, err := s.deleteUnchanged(ctx, old)
	if err != nil {
		return ns, 0, fmt.Errorf("sweep: %w", err)
	}
	cutoff := bot.Day(researchBefore)
	old = old[:0]
	err = s.scan(ctx, s.prefix+"r/", func(kv *mvccpb.KeyValue) error {
		var t bot.ResearchTurn
		if json.Unmarshal(kv.Value, &t) != nil || t.Day < cutoff {
			old = append(old, &mvccpb.KeyValue{Key: kv.Key, ModRevision: kv.ModRevision})
		}
		return nil
	})
	if err != nil {
		return ns, 0, fmt.Errorf("sweep: %w", err)
	}
	nr, err := s.deleteUnchanged(ctx, old)
	if ns+nr > 0 {
		s.afterErase()
	}
	if err != nil {
		return ns, nr, fmt.Errorf("sweep: %w", err)
	}
	return ns, nr, nil
}

// deleteUnchanged deletes the keys that still have the ModRevision they
// were read with, in transactions of up to maxTallyPerTxn keys; it returns
// how many it deleted.
func (s *Store) deleteUnchanged(ctx context.Context, kvs []*mvccpb.KeyValue) (int, error) {
	n := 0
	for len(kvs) > 0 {
		batch := kvs[:min(len(kvs), maxTallyPerTxn)]
		kvs = kvs[len(batch):]
		cmps := make([]clientv3.Cmp, len(batch))
		ops := make([]clientv3.Op, len(batch))
		for i, kv := range batch {
			cmps[i] = clientv3.Compare(clientv3.ModRevision(string(kv.Key)), "=", kv.ModRevision)
			ops[i] = clientv3.OpDelete(string(kv.Key))
		}
		var ok bool
		err := s.retry(ctx, func(ctx context.Context) error {
			resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
			if err == nil {
				ok = resp.Succeeded
			}
			return err
		})
		if err != nil {
			return n, err
		}
		if ok {
			n += len(batch)
			continue
		}
		// Something in the batch changed: one by one.
		for i := range batch {
			err := s.retry(ctx, func(ctx context.Context) error {
				resp, err := s.cli.Txn(ctx).If(cmps[i]).Then(ops[i]).Commit()
				if err == nil && resp.Succeeded {
					n++
				}
				return err
			})
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// scan calls fn for every key under prefix, in key order, page by page at
// one revision (at a newer one when that revision was compacted meanwhile).
func (s *Store) scan(ctx context.Context, prefix string, fn func(*mvccpb.KeyValue) error) error {
	end := clientv3.GetPrefixRangeEnd(prefix)
	from := prefix
	var rev int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(pageSize)}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		var resp *clientv3.GetResponse
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			resp, err = s.cli.Get(ctx, from, opts...)
			return err
		})
		if errors.Is(err, rpctypes.ErrCompacted) && rev > 0 {
			// Another instance compacted past the revision of the first
			// page: go on at the newest one.
			rev = 0
			continue
		}
		if err != nil {
			return err
		}
		rev = resp.Header.Revision
		for _, kv := range resp.Kvs {
			if err := fn(kv); err != nil {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Research implements bot.Store.
func (s *Store) Research(ctx context.Context, fn func(bot.ResearchTurn) error) error {
	return s.scan(ctx, s.prefix+"r/", func(kv *mvccpb.KeyValue) error {
		var t bot.ResearchTurn
		if err := json.Unmarshal(kv.Value, &t); err != nil {
			return fmt.Errorf("research record %q: %w", strings.TrimPrefix(string(kv.Key), s.prefix), err)
		}
		return fn(t)
	})
}

// Sessions implements bot.Store.
func (s *Store) Sessions(ctx context.Context, fn func(*bot.Session) error) error {
	return s.scan(ctx, s.prefix+"s/", func(kv *mvccpb.KeyValue) error {
		sess, _, err := decodeSession(kv.Value)
		if err != nil {
			return fmt.Errorf("session %s: %w", strings.TrimPrefix(string(kv.Key), s.prefix+"s/"), err)
		}
		return fn(sess)
	})
}

func ranges(resp *clientv3.TxnResponse) []*clientv3.GetResponse {
	out := make([]*clientv3.GetResponse, len(resp.Responses))
	for i, r := range resp.Responses {
		out[i] = (*clientv3.GetResponse)(r.GetResponseRange())
	}
	return out
}

// afterErase asks the compactor to purge the history of what was erased.
func (s *Store) afterErase() {
	if s.opts.CompactAfterErase < 0 {
		return
	}
	select {
	case s.erased <- struct{}{}:
	default: // a compaction is already pending
	}
}

// compactor compacts the history after erasures, at most once per
// Options.CompactAfterErase; on Close it runs a pending compaction.
func (s *Store) compactor() {
	defer close(s.done)
	var last time.Time
	for {
		closing := false
		select {
		case <-s.erased:
		case <-s.quit:
			select {
			case <-s.erased:
				closing = true // compact what was erased, then stop
			default:
				return
			}
		}
		if wait := s.opts.CompactAfterErase - time.Since(last); wait > 0 && !last.IsZero() && !closing {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.quit:
				t.Stop()
				closing = true
			}
		}
		// Erasures signalled from here on are after the revision compacted
		// to, and get a round of their own.
		select {
		case <-s.erased:
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 6*s.opts.RequestTimeout)
		rev, err := s.compact(ctx)
		cancel()
		last = time.Now()
		if err != nil {
			s.log.Warn("etcd compaction after erasure failed", "err", err)
		} else {
			s.log.Info("etcd history compacted after erasure", "revision", rev)
			if s.opts.compacted != nil {
				s.opts.compacted <- rev
			}
		}
		if closing {
			return
		}
	}
}

// Compact discards the cluster's history up to the current revision and
// waits until the members have removed it from their backends, so that no
// erased value can be read at an older revision.
func (s *Store) Compact(ctx context.Context) error {
	_, err := s.compact(ctx)
	return err
}

func (s *Store) compact(ctx context.Context) (int64, error) {
	var rev int64
	err := s.retry(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Get(ctx, s.prefix+"schema")
		if err != nil {
			return err
		}
		rev = resp.Header.Revision
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("compact: %w", err)
	}
	// Physical compaction takes as long as the backend needs: no
	// per-request timeout, only ctx.
	_, err = s.cli.Compact(ctx, rev, clientv3.WithCompactPhysical())
	if err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return 0, fmt.Errorf("compact to revision %d: %w", rev, storeErr(ctx, err))
	}
	return rev, nil
}

// Defragment rewrites the backend of every endpoint, one after the other,
// so that compacted values leave the members' files. A member answers no
// request while it is defragmented; run it when traffic is low.
func (s *Store) Defragment(ctx context.Context) error {
	for _, ep := range s.cli.Endpoints() {
		if _, err := s.cli.Defragment(ctx, ep); err != nil {
			return fmt.Errorf("defragment %s: %w", ep, storeErr(ctx, err))
		}
	}
	return nil
}

// Close implements bot.Store. Counter deltas not yet committed are
// committed, and a compaction pending after an erasure runs, before the
// connection closes. When the deltas cannot be committed (the cluster does
// not answer within twice Options.RequestTimeout), they are logged and
// counted as dropped, and Close returns an error wrapping
// bot.ErrTallyDropped.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		close(s.quit)
		<-s.tally.done
		<-s.done
		<-s.commit.done
		err = errors.Join(s.tally.report(), s.cli.Close())
	})
	return err
}

// retry runs op with a per-request timeout and retries it, with backoff,
// while it fails with a transient error, for up to RequestTimeout; op must
// be idempotent. Errors are mapped by storeErr.
func (s *Store) retry(ctx context.Context, op func(context.Context) error) error {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
		err := op(rctx)
		cancel()
		if err == nil || ctx.Err() != nil || !transient(err) || time.Since(start) >= s.opts.RequestTimeout {
			return storeErr(ctx, err)
		}
		s.log.Debug("etcd request failed, retrying", "attempt", attempt, "err", err)
	}
}

// backoff sleeps a jittered, growing time: 1-2ms, 2-4ms, ... up to 50-100ms.
func backoff(ctx context.Context, attempt int) error {
	d := time.Millisecond << min(attempt, 7)
	d = min(d, 100*time.Millisecond)
	d = d/2 + mrand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transient reports whether err may go away by itself (no leader, leader
// changed, member stopping, timeout, connection lost).
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, rpctypes.ErrTooManyRequests) {
		return true
	}
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee.Code() == codes.Unavailable || ee.Code() == codes.DeadlineExceeded
	}
	if st, ok := status.FromError(err); ok {
		return st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded
	}
	return false
}

// notApplied reports whether err says for sure that a write was not
// applied.
func notApplied(err error) bool {
	return errors.Is(err, rpctypes.ErrNoLeader) || errors.Is(err, rpctypes.ErrTooManyRequests)
}

// storeErr marks errors after which the cluster cannot take writes (no
// quorum, unreachable, database full) as bot.ErrUnavailable. Errors of the
// caller's context are returned as they are.
func storeErr(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return err
	case errors.Is(err, bot.ErrUnavailable):
		return err
	case transient(err), errors.Is(err, rpctypes.ErrNoSpace):
		return fmt.Errorf("%w: %w", bot.ErrUnavailable, err)
	}
	return err
}
