// Package store holds proactief's implementations of [bot.Store]:
// store/bolt keeps everything in one bbolt file on one machine,
// store/etcd keeps it in an etcd cluster for more than one instance,
// store/codec is the binary form of a session both of them write, and
// store/storetest is the contract suite every implementation passes.
package store
