// Package store holds proactief's implementations of [bot.Store]:
// store/bolt keeps everything in one bbolt file on one machine, and
// store/storetest is the contract suite every implementation passes.
package store
