// Package telegram is proactief's Telegram channel: it receives updates
// (long polling, or a webhook), turns them into bot.Inbound messages for a
// bot.Handler and sends the replies back, with choices as inline keyboard
// buttons.
//
// It uses github.com/go-telegram/bot for the Bot API calls and types, but
// not for receiving updates: the library's polling confirms an update (by
// the next getUpdates offset) before its handler has run and runs handlers
// concurrently and unordered, and its webhook handler answers 200 before
// the update is handled. Here:
//
//   - An update is confirmed only once it is done: the handler committed
//     it and all its replies were sent (or failed for good, e.g. the person
//     blocked the bot). The getUpdates offset moves past update N only when
//     every update up to N is done; in webhook mode the request is answered
//     200 only then, and 503 otherwise so that Telegram delivers it again.
//   - Inbound.MessageID is "tg:<update_id>", so a redelivered update is
//     recognised by the store (Result.Duplicate) and its replies are sent
//     again instead of the message being applied twice.
//   - One chat is handled strictly in order; different chats in parallel,
//     at most Options.Concurrency at once. A panic in the handler is
//     recovered and logged, and the update is confirmed (it would panic
//     again).
//   - When Handle fails with bot.ErrUnavailable nothing was committed: the
//     person is told once that something went wrong, and the update is not
//     confirmed; it is tried again with backoff (polling) or left to
//     Telegram's retry (webhook). Other handler errors are logged, the
//     person is told, and the update is confirmed.
//   - Outgoing messages stay under a global rate (30/s) and a per-chat rate
//     (1/s sustained, a burst of 3), configurable in Options. A 429 is
//     waited out for its retry_after; 5xx answers (JSON or an HTML proxy
//     page), timeouts and connection errors are retried with backoff,
//     until the shutdown grace is over.
//   - Group, supergroup and channel chats are not served: the bot says once
//     per chat (remembered in memory) that money matters are better
//     discussed in private, and passes nothing to the handler.
//   - Messages without text (stickers, photos, voice, documents, locations,
//     contacts) reach the handler as NonText with no content at all.
//   - Button data is "<prompt>|<choice>" (at most 64 bytes), checked on the
//     way in: a tap with data this adapter cannot have made is answered
//     with a friendly text and ignored. Every tap is answered
//     (answerCallbackQuery); after an answer the question is edited to show
//     the choice without buttons, and a second tap on the same message is
//     not passed on. The engine itself rejects stale prompts.
//   - "/start PARAM" (a deep link) sets Inbound.Source to PARAM.
//   - user.language_code picks the language: "en..." is English, anything
//     else Dutch.
//
// Nothing the person typed, no user id and no token is logged: the token is
// scrubbed from every error that is logged or returned.
//
// The package fakeapi holds a fake Bot API server for tests.
//
// # Caveats
//
//   - After a crash (kill -9, power loss) between committing an update and
//     confirming it, Telegram delivers the update again and its replies are
//     sent again, in full: the person may see a reply twice. Answers are
//     never applied twice. A graceful stop confirms everything finished.
//   - A send whose answer is lost after Telegram carried it out (a timeout
//     or a dropped connection after the request was sent) is sent again:
//     the adapter prefers a message twice to a message lost, since the Bot
//     API has no idempotency key.
//   - Telegram only hands out updates after the oldest unconfirmed one, at
//     most 100 at a time. A slow update (an unavailable store) holds back
//     confirmation of the updates after it, and with 100 updates in hand no
//     new ones are fetched until the oldest is done.
//   - Updates are retried while the store is unavailable, without limit;
//     meanwhile nothing after them is confirmed.
//   - The memory of group chats told, buttons answered and long prompts
//     (hashed into button data when they do not fit in 64 bytes) is lost on
//     restart: a group may be told again, and a tap on a button from before
//     a restart goes to the engine, which rejects it as stale.
//   - Rate limits count sendMessage and sendDocument; edits and
//     answerCallbackQuery count against the global rate only, and
//     getUpdates not at all.
//   - In webhook mode the caller serves WebhookHandler (over TLS, at the
//     path of WebhookURL); Run only registers the webhook and waits. The
//     webhook stays registered after Run returns, so Telegram keeps the
//     updates that arrive while the bot is down.
//
// # Messages nobody asked for yet
//
// The adapter is a bot.Courier: bot.Service.Drain hands it a worker's
// replies (and follow-ups) from the outbox, and Deliver sends them through
// the same per-chat and global limiter as every reply. Edits of buttons
// count against the chat's limit too, as Telegram counts them
// (tdlib/td#2592). A photo or document a person sends is only downloaded
// (getFile) when the service passes it to a worker during a handover.
package telegram
