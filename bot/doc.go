// Package bot is proactief's domain centre: the [Session] that a
// conversation keeps, the [Inbound] messages channel adapters deliver, the
// [Store] interface that keeps sessions, and the [Service] that runs one
// message through the store and the dialogue engine.
//
// The flow of one message is always the same, whatever the channel:
//
//  1. The adapter turns its update into an [Inbound] and calls [Service.Handle].
//  2. The service derives the conversation key, a keyed pseudonym of channel
//     and user id ([Pseudonymizer]); the raw id goes no further.
//  3. One message at a time per conversation: a lock per key in this
//     process, and in the store a transaction (or a version-conditional
//     write) per message.
//  4. The engine steps; the new state, the processed-message mark and the
//     replies are committed together; only then the replies are returned to
//     the adapter to send.
//
// Consent decides where a session lives. With consent to keep answers it is
// in the store; without it, only in this process's memory, gone when the
// conversation ends or the program stops. [Store.Update] enforces it too:
// it never writes a session without that consent.
//
// # Caveats
//
//   - A redelivered message (same channel message id) is recognised and
//     answered with the replies it got the first time; after a crash between
//     commit and send a reply may therefore be sent twice, never lost.
//   - Messages nobody asked for yet (a worker's reply, a citizen's message
//     for the desk, a card, a timer) are envelopes in the store's outbox
//     ([Outbox]), written with the state change that caused them and
//     drained by the elected instance ([Service.Drain],
//     [Service.DrainDesk], [Service.RunTimers]). The desk gets each
//     exactly once (it is idempotent on the envelope ID); Telegram at
//     least once: after a crash between a send and its record, the person
//     sees that message twice. Envelope IDs order by the clock of the
//     instance that made them: instances whose clocks differ by more than
//     the time between two messages of one conversation could reorder
//     them.
//   - A conversation with a handover is kept in the store even without
//     consent to keep answers (the person agreed to share it with a
//     worker), so that it survives a restart and /vergeet can still delete
//     the desk posts; the chat address and a callback number are sealed
//     ([Sealer]) and removed when the handover or the callback ends.
//   - Sessions without consent are kept in memory of one process: with
//     several instances (store/etcd) such a conversation continues only on
//     the instance that holds it.
package bot
