// Package etcd implements bot.Store on an etcd cluster, so that several
// proactief instances can serve the same conversations: sessions, research
// records and aggregate counters live under one key prefix. A session is
// kept in the binary form of store/codec, like store/bolt keeps it; the
// other values are JSON.
//
// Layout under Options.Prefix (default "/proactief/"):
//
//	schema                      the layout version (SchemaVersion)
//	s/<session key>             a bot.Session (store/codec), after a "write" nonce; JSON in schema 1
//	r/<pseudonym>/<seq:%012d>   a bot.ResearchTurn as JSON
//	t/<counter>                 an aggregate counter, in decimal
//	o/<envelope ID>             a bot.Envelope (outbox) as JSON
//	ok/<session key>/<ID>       the envelope's kind: cancel and erase by key
//	tally-flush/<instance>      the sequence number of an instance's last counter commit
//	election/<name>/...         leader election keys (Campaign, Lead)
//	baseline/...                written and deleted by BaselinePuts (bench only)
//
// Every session write is a transaction conditional on the ModRevision the
// session had when it was read (0 when it was absent). A write that lost
// against another instance is retried with a small jittered backoff, fn
// running again on the newer session, so two instances that handle the same
// chat never lose an answer. The research turns and the research erasure of
// an Update are part of the same transaction.
//
// An instance remembers the sessions it wrote last (Options.SessionCache):
// the next message of such a conversation is one conditional transaction,
// without a read first. When another instance wrote the session since, the
// condition fails and the transaction's else branch returns the newer
// session, on which fn runs again.
//
// Session writes that arrive while Options.CommitsInFlight transactions
// are in flight go out together as one transaction (group commit, see
// commit.go): one conversation alone pays nothing, and many at once share
// the cluster's cost per request. A write in a group that loses against
// another instance gets the newer session as above; the others of its
// group are sent again.
//
// Counters are not written per message. Tally adds the deltas to a map in
// memory; one goroutine per Store commits what gathered at most once per
// Options.TallyInterval (default 1 s), in one conditional transaction of up
// to 119 counters plus the instance's marker key tally-flush/<instance>,
// which holds the commit's sequence number. So the counters cost one
// transaction a second per instance instead of one per message, and no
// message waits for them. A commit whose outcome is unknown is resolved
// by reading the marker, and the next try is conditional on the marker's
// revision, so a batch is counted exactly once. Tallies commits this
// Store's pending deltas before it reads; Close commits them, then deletes
// the marker.
//
// When a write's outcome is unknown (the cluster lost its leader while the
// write was in flight), Update looks at the key's history to learn whether
// its write was committed before it retries; the "write" nonce stored with
// each session makes that possible. It is never applied twice.
//
// # Caveats
//
//   - etcd keeps every old revision of a key until the history is
//     compacted: a deleted session or an erased research record can still
//     be read at an older revision. After every erasure (consent withdrawn,
//     Delete, EraseResearch, Sweep) the store compacts the history up to the
//     current revision (physical compaction), at most once per
//     Options.CompactAfterErase (default 10s), in the background. Until then
//     the erased values stay readable at old revisions by anyone with read
//     access to the prefix. A negative CompactAfterErase turns this off;
//     then the cluster's own --auto-compaction-retention must purge the
//     history, and erasure is complete only after it has.
//   - Compaction is cluster-wide: it also drops the history of every other
//     user of the cluster. Give proactief its own cluster, or accept that
//     watchers elsewhere may see ErrCompacted.
//   - Compaction makes old values unreadable through etcd's API, not gone
//     from disk at once: each member keeps them in its write-ahead log until
//     the WAL file is purged (--max-wals), in its snapshots, and in freed
//     pages of its bbolt backend until they are reused or the member is
//     defragmented (Store.Defragment, or etcdctl defrag). Put etcd's data
//     directories on encrypted disks and defragment regularly.
//   - etcd limits a transaction to 128 operations (--max-txn-ops) and a
//     request to 1.5 MiB (--max-request-bytes): one Update may carry at most
//     120 research turns, and counters are committed at most 119 per
//     transaction (more are split, so a large Tally is not atomic as a
//     whole).
//   - The database has a size quota (--quota-backend-bytes, 2 GiB by
//     default, 8 GiB suggested at most); when it is full, writes fail with
//     bot.ErrUnavailable until the cluster is compacted, defragmented and
//     its alarm disarmed.
//   - What a crash can lose: the counts gathered in memory and not yet
//     committed, that is those of the messages of the last TallyInterval
//     (1 s by default) plus the time of one commit, on the instance that
//     crashed. Nothing else: sessions and research records are committed
//     before Handle returns. The crashed instance's marker key stays
//     behind (a few bytes). While the cluster cannot take writes, counts
//     stay in memory and are tried again every TallyInterval (logged at
//     most once a minute); they are dropped only when Close cannot commit
//     them within twice RequestTimeout. A drop is logged, counted
//     (DroppedTallies, the metric proactief_tally_dropped_total) and
//     returned by Close or the next Tally as bot.ErrTallyDropped.
//   - Tallies shows other instances' counts as of their last commit, up
//     to TallyInterval behind.
//   - The session cache holds up to SessionCache sessions (1 to 3 kB
//     each: about 20 MB at the default 10,000).
//   - Leadership from Campaign and Lead lasts as long as this process keeps
//     its lease alive (10 seconds without contact); a partitioned leader
//     learns that it lost only through the context Lead returns.
package etcd
