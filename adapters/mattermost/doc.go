// Package mattermost is the Mattermost channel: municipal staff try the
// bot in their own Mattermost before citizens see it. The adapter logs in
// as a bot account with its token, listens on the server's websocket and
// answers through the REST API (the official client in
// github.com/mattermost/mattermost/server/public/model; its types stay in
// this package).
//
// # Who and where
//
// A direct message to the bot account starts or continues a conversation.
// In other channels the bot answers only posts that mention it
// (@botname), and answers in the post's thread. One person has one
// conversation (the bot.Handler keys it by user id), wherever they write.
//
// Only people on Options.AllowUsers or members of Options.AllowTeam may
// talk to the bot. Their messages go to the handler with Staff set, which
// enables the engine's "!" commands and marks the conversation as a test.
// Anyone else gets one polite refusal (in Dutch, at most every ten
// minutes) and nothing of theirs reaches the handler, so nothing is
// stored. With neither option set nobody is allowed.
//
// # Choices
//
// With Options.ActionsURL set, a question's choices are interactive
// buttons: Mattermost posts each press to that URL, which the caller
// serves with ActionsHandler. Each button carries a context signed with a
// key the adapter makes at start (HMAC-SHA256 over a random post id, the
// question, the choice, the thread, the channel and the person), so a
// press that was not made by that person on that button is refused.
// Without ActionsURL the choices are printed as numbered lines ("1. Ja");
// an answer "2" (or a label, in both modes) is passed as the second choice
// of the last question in that conversation, with its prompt, so the
// engine can tell a stale answer.
//
// # Reliability
//
// The websocket client does not reconnect by itself; Run does, with
// exponential backoff and jitter, when the connection closes, the server
// stops pinging or a request fails. After each (re)connect the adapter
// fetches, per channel it is in, the posts since the newest one it saw
// there (GetPostsSince), and queues those it has not handled before any
// newer post. On the first connect it also looks back Options.CatchUp
// (10 minutes) for posts written while it was not running. Every reply
// carries the props proactief_reply_to (the post answered) and
// proactief_part ("2/3"), so a post whose replies are all there is
// skipped, and one whose replies were cut off by a crash gets the
// missing ones. A message is handled at most once: the adapter remembers
// the ids it has handled, and the handler recognises a redelivered
// message id as Duplicate (then only the replies not yet posted are
// sent, and nothing for a repeated button press).
//
// Messages of one conversation are handled one at a time and in order;
// conversations run in parallel. Replies are sent after the handler has
// committed the new state; a failed post is retried with backoff
// (Options.SendAttempts) under the same pending_post_id, which the server
// uses to drop a double. When the handler fails, the person is told to
// try again later and the message is not marked handled, so the next
// catch-up tries it again.
//
// # The handover desk
//
// With Options.HandoverChannel ("team-name/channel-name"; the bot must be
// a member) the adapter is the staff side of a handover: it implements
// bot.Desk for the outbox's desk drainer, and turns what workers do into
// bot.DeskEvents (Options.DeskEvents, or the handler when it implements
// DeskHandler).
//
//   - A card is a root post: the handover number, the channel, the
//     understanding step's signals, the plain summary, the answers and
//     (for a callback) the number to call; TEST for a staff member's own
//     test. It shows nothing the person did not choose to share. With
//     Options.ActionsURL it has buttons: take and close (a callback card:
//     called back), signed with a key derived from the bot token, so
//     they work after a restart and on any instance.
//   - A worker takes a handover with the button or by replying in the
//     card's thread; each reply is a DeskReply for the citizen, in order,
//     one thread at a time; "!sluit" closes it (on a callback card
//     "!klaar" or "!sluit" marks it done, other replies stay among
//     staff). A closed card shows who closed it and loses its buttons.
//   - The citizen's messages go into the thread as quotes (Markdown and
//     @-mentions disarmed, so "@channel" or an image link does nothing),
//     a photo or PDF uploaded and attached by file_ids.
//   - Exactly once: a card carries its envelope ID (proactief_card), a
//     relayed message its envelope ID (proactief_envelope), the erase
//     line its order ID (proactief_erased). Before posting, the desk
//     looks for them (the channel's recent root posts, the thread's
//     posts; then from memory until a post fails or a term of Run
//     starts or ends, as another instance may have posted meanwhile),
//     so a post whose answer was lost in a crash is found, not made
//     twice. The server's own pending_post_id only covers 30 seconds.
//   - Erase deletes the bot's posts about the person, replies first and
//     the card last (on Mattermost the root takes its whole thread,
//     workers' replies included), then posts one line saying so.
//   - Workers' replies missed while the websocket was down are fetched
//     at the reconnect (GetPostsSince from the newest post seen in the
//     channel); on the first connection the look-back for the handover
//     channel is Options.DeskCatchUp (24 hours). Posts with the bot's
//     receipt (a ✅ reaction, added once an event is applied) are passed
//     over; other redelivered events carry the same PostID and are
//     ignored by the bot.
//   - Staff testing in a direct message can ask for a person too: the
//     adapter gives the handler an address for later messages and
//     delivers the outbox's relayed replies there (Deliver, at least
//     once).
//
// # Caveats
//
//   - Erased posts are deleted permanently only when the server allows
//     it (ServiceSettings.EnableAPIPostDeletion and a bot with the
//     system admin role); otherwise they are deleted the normal way and
//     stay in the server's database, marked deleted, until its data
//     retention removes them. The adapter logs a warning once.
//
//   - A file uploaded whose post then failed stays in the server
//     unattached (Mattermost removes such files only with its own file
//     retention); the retry uploads it again.
//
//   - A worker's post the bot applied gets the bot's ✅ reaction (the
//     worker sees it was passed on); a catch-up passes over posts with
//     it. When the reaction could not be saved, a redelivered post is
//     recognised by the bot only among the last 64 events of that
//     handover.
//
//   - Files a worker posts in a thread are not relayed to the citizen;
//     only the words are.
//
//   - The first connection's look-back in the handover channel asks for
//     the posts changed in the last DeskCatchUp; the server answers at
//     most 1000 of them (not necessarily the newest). A channel busier
//     than that needs a shorter DeskCatchUp.
//
//   - The ✅ says the bot applied a post; when the person had stopped the
//     handover meanwhile (/stop), the bot drops the reply and the card
//     does not show it. A note from the bot in the thread says so.
//
//   - The ids handled and the numbered-answer mapping live in memory. After
//     a restart a number typed to a question asked before the restart is
//     passed as text; the engine then reads it as typed text.
//
//   - A conversation without consent to keep answers lives only in the
//     handler's memory, so a message caught up after a restart starts a
//     new conversation. The catch-up looks back at most Options.CatchUp
//     and at most 1000 posts per channel (the server's limit).
//
//   - A second message from a refused person within ten minutes gets no
//     refusal and no reply props, so a restart within the window may
//     refuse it once more.
//
//   - A ping timeout is noticed only after the client's fixed 65 seconds;
//     a dropped TCP connection is usually noticed at once.
//
//   - model.WebSocketClient can panic when a ping arrives at the very
//     moment the adapter closes it (it writes the pong to a closed
//     channel); the adapter closes it only on shutdown or a ping timeout.
//
//   - Documents (/gegevens) are shown inline as a code block when they fit
//     in a post; files are not uploaded.
//
//   - The refusal and failure sentences are in messages.json; the
//     conversation's own texts come from the dialogue engine. Staff
//     conversations are Dutch (Lang "nl").
//
//   - Metrics (Options.Registerer) are proactief_mattermost_*: messages by
//     outcome, sends, reconnects, connected, handling and catch-up time,
//     and desk activity (proactief_mattermost_desk_total by event).
package mattermost
