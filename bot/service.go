package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/redact"
	"github.com/proactief/proactief/segment"
)

// Inbound is one message from a person, as a channel adapter delivers it.
type Inbound struct {
	Channel   string // Telegram, Mattermost, Terminal
	UserID    string // the person's id in the channel; pseudonymised at once, never stored or logged
	MessageID string // channel-unique id of this message ("" when the channel has none); redelivery is recognised by it
	// Text is what the person typed; "" for a button press. With Choice
	// also set, the person typed Text and the channel read it as that
	// choice (its number or label): the engine gets the choice, the
	// research record the typed text.
	Text    string
	Choice  string    // id of the button chosen, or of the choice Text was read as
	Prompt  string    // the question the button belonged to
	Lang    string    // language hint ("nl", "en")
	Source  string    // campaign from a deep link
	Staff   bool      // a staff member testing: "!" commands allowed, marked as test
	NonText bool      // a sticker, photo, ...: nothing to read, nothing stored
	Time    time.Time // when the message was sent; zero means now
	// Address is where the channel delivers to this person later (the
	// Telegram chat id); kept, sealed, only during a handover they agreed to.
	Address string
	// File is a photo or document sent (with NonText); its bytes are
	// fetched only when they go to a worker.
	File *InboundFile
}

// Result is what Handle returns: the replies to send, in order.
type Result struct {
	Replies []dialogue.Reply
	// Duplicate reports that the message was handled before; Replies are the
	// replies it got then, to be sent again.
	Duplicate bool
	// Trace describes the engine after the step (no message text in it).
	Trace dialogue.Trace
	// Phase is the conversation's state after the step.
	Phase string
	// Stored reports whether the session is kept in the store (consent).
	Stored bool
	// Assigned is the segment (1..3) when this step ended the statements,
	// 0 otherwise: for figures, never shown to the person.
	Assigned int
	// Intent is what the understanding step heard in the message
	// (dialogue.IntentNone for an answer, a button or a command); adapters
	// count it in their metrics, which is all that is kept of a crisis.
	Intent dialogue.Intent
	// Sensitive marks a crisis message: its text went to no research
	// record, and the adapter must not log anything about it beyond the
	// counter. A handover to a worker forwards it, flagged.
	Sensitive bool

	showData bool
	tally    map[string]int
}

// Handler handles one inbound message. Adapters depend on this one method.
type Handler interface {
	// Handle runs in through the conversation and returns the replies after
	// the new state is committed. It returns an error wrapping
	// ErrUnavailable when the state could not be committed; the adapter
	// then tells the person to try again later (see Service.Unavailable)
	// and must not acknowledge the message to its channel.
	Handle(ctx context.Context, in Inbound) (Result, error)
}

var _ Handler = (*Service)(nil)

// Options configure a Service. The zero value works.
type Options struct {
	// Logger receives operational logs; nil discards them. Never message
	// text or raw ids.
	Logger *slog.Logger
	// Now is the clock for messages without a time; nil means time.Now.
	Now func() time.Time
	// Redact removes personal data from text kept for research; nil means
	// redact.Text.
	Redact func(string) string
	// MemoryLimit bounds the conversations kept in memory without consent;
	// the least recently used go first. 0 means 100,000.
	MemoryLimit int
	// Handover configures handovers to municipal staff; the zero value has
	// no desk.
	Handover HandoverOptions
	// Followup configures follow-ups (quiet hours, lateness).
	Followup FollowupOptions
}

// Service runs messages through the store and the dialogue engine.
type Service struct {
	store  Store
	engine *dialogue.Engine
	pseud  *Pseudonymizer
	opts   Options
	log    *slog.Logger
	locks  keyLocks
	mem    *memory
	seal   *Sealer
	wake   sync.Map // queue -> chan struct{}: wakes its drainer
}

// New returns a Service. secret keys the pseudonyms; keep it with the
// store, mode 0600 (see Pseudonymizer).
func New(store Store, engine *dialogue.Engine, secret []byte, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Redact == nil {
		opts.Redact = redact.Text
	}
	if opts.MemoryLimit <= 0 {
		opts.MemoryLimit = 100000
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, engine: engine, pseud: NewPseudonymizer(secret), opts: opts, log: log, mem: newMemory(opts.MemoryLimit), seal: NewSealer(secret)}
}

// Handover returns the service's handover options.
func (s *Service) Handover() HandoverOptions { return s.opts.Handover }

// Engine returns the dialogue engine.
func (s *Service) Engine() *dialogue.Engine { return s.engine }

// Store returns the store.
func (s *Service) Store() Store { return s.store }

// Pseudonyms returns the service's pseudonymizer.
func (s *Service) Pseudonyms() *Pseudonymizer { return s.pseud }

// Unavailable is the reply an adapter sends when Handle failed with
// ErrUnavailable: nothing was lost, try again later.
func (s *Service) Unavailable(lang string) dialogue.Reply {
	return dialogue.Reply{Text: s.engine.Content().Text(lang, "unavailable", dialogue.Neutral)}
}

// Handle runs one message. See Handler.
func (s *Service) Handle(ctx context.Context, in Inbound) (Result, error) {
	if in.Time.IsZero() {
		in.Time = s.opts.Now()
	}
	key := s.pseud.Key(in.Channel, in.UserID)
	research := s.pseud.Research(in.Channel, in.UserID)
	mu := s.lock(key)
	mu.Lock()
	defer mu.Unlock()
	s.fetchFile(ctx, key, &in)

	var res Result
	var final *Session
	apply := func(sess *Session) error {
		res = s.apply(sess, in, research)
		final = sess
		return nil
	}

	if m := s.mem.get(key); m != nil {
		// A conversation without consent to keep it lives in memory; the
		// store sees it only when this step gives something to keep.
		if err := apply(m); err != nil {
			return Result{}, err
		}
		if final.Persistent() || len(final.ResearchOut) > 0 || final.EraseResearch != "" || len(final.Outbox) > 0 || !final.Cancel.Empty() {
			snapshot := *final
			err := s.store.Update(ctx, key, func(stored *Session) error {
				if stored.Version > 0 {
					// Another instance stored this conversation meanwhile:
					// its state wins and this message is applied to it.
					return apply(stored)
				}
				*stored = snapshot
				return nil
			})
			if err != nil {
				return Result{}, s.fail("commit", err)
			}
		}
	} else if err := s.store.Update(ctx, key, apply); err != nil {
		// Update hands apply a new session when none is stored, and
		// writes nothing for it until there is consent.
		return Result{}, s.fail("commit", err)
	}
	s.wakeFor(final.Outbox)
	final.ResearchOut, final.EraseResearch, final.Outbox, final.Cancel = nil, "", nil, Cancel{}
	if final.Persistent() {
		s.mem.del(key)
	} else {
		s.mem.put(key, final)
	}
	if len(res.tally) > 0 {
		// Figures are not worth failing a conversation for. The step is
		// committed, so its counts are too, whatever happens to ctx.
		if err := s.store.Tally(context.WithoutCancel(ctx), res.tally); err != nil {
			s.log.Warn("tally failed", "err", err)
		}
	}
	res.Stored = final.Persistent()
	res.Phase = final.Conv.Phase
	if res.showData {
		s.attachData(ctx, &res, final, research)
	}
	return res, nil
}

func (s *Service) fail(op string, err error) error {
	s.log.Error("store failed", "op", op, "err", err)
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
}

// apply steps the engine on sess for in. It must stay free of side effects
// outside sess: a store may run it more than once.
func (s *Service) apply(sess *Session, in Inbound, research string) Result {
	if replies, ok := sess.seen(in.MessageID); ok {
		return Result{Replies: replies, Duplicate: true, Trace: traceOf(sess)}
	}
	wasResearch := sess.Conv.Consent.Researchable()
	before := sess.Conv
	text := in.Text
	if in.Choice != "" {
		text = "" // a typed "2" read as choice 2 is answered like the button
	}
	out := s.engine.Step(sess.Conv, dialogue.Input{
		Time: in.Time, Text: text, Choice: in.Choice, Prompt: in.Prompt,
		Channel: in.Channel, Lang: in.Lang, Source: in.Source, Staff: in.Staff, NonText: in.NonText,
	})
	replies := out.Replies
	if tr := dialogue.StaffTrace(out); tr != "" {
		replies = append(replies, dialogue.Reply{Text: tr})
	}
	sess.Conv = out.State
	if (out.Intent == dialogue.IntentCrisis || out.Intent == dialogue.IntentUrgent) && !slices.Contains(sess.Signals, string(out.Intent)) {
		sess.Signals = append(sess.Signals, string(out.Intent))
	}
	handover := before.Handover != "" || out.State.Handover != "" || out.Handover != (dialogue.HandoverStep{}) || out.Erase
	tally := tallies(before, out.State, in.Time)
	if handover {
		replies = append(replies, s.handoverStep(sess, in, out, tally)...)
	}
	s.followupOutbox(sess, in, out)
	if out.Erase || out.EraseResearch || (wasResearch && !out.State.Consent.Researchable()) {
		sess.EraseResearch = research
		sess.Research = ""
	}
	if out.Erase {
		sess.Seen = nil
	}
	if !out.Erase && out.State.Consent.Researchable() && !handover {
		// A handover's messages are for the worker, never research data.
		sess.Research = research
		// A crisis message never reaches a research record, nor does the
		// answer to it: an anonymous counter in the adapters' metrics is
		// all that is kept.
		if !out.Sensitive {
			s.recordResearch(sess, in, out, replies)
		}
	} else if !out.Erase && out.State.Consent.Researchable() && out.FollowupResult != "" {
		// "Ik wil hulp" starts a handover: only the answer is research data.
		sess.Research = research
		s.followupResearch(sess, in, out)
	}
	sess.markSeen(in.MessageID, replies)
	trimSeen(sess)
	res := Result{Replies: replies, Trace: out.Trace, showData: out.ShowData, tally: tally,
		Intent: out.Intent, Sensitive: out.Sensitive}
	if !before.Done && out.State.Done {
		res.Assigned = int(SegmentOf(out.State))
	}
	return res
}

// seenWithReplies is how many of the most recent handled messages keep
// their replies for a redelivery; older ones keep only their id, so that a
// late redelivery is still not applied twice (it is answered with nothing).
// Replies are most of a session's bytes, and every message rewrites it.
const seenWithReplies = 2

// trimSeen drops the replies of all but the seenWithReplies most recent
// handled messages. It copies the list: sess may share it with the memory
// copy of the session.
func trimSeen(sess *Session) {
	n := len(sess.Seen) - seenWithReplies
	if n <= 0 || sess.Seen[n-1].Replies == nil {
		return
	}
	seen := make([]Seen, len(sess.Seen))
	copy(seen, sess.Seen)
	for i := range n {
		seen[i].Replies = nil
	}
	sess.Seen = seen
}

// recordResearch appends this exchange, redacted, to ResearchOut.
func (s *Service) recordResearch(sess *Session, in Inbound, out dialogue.Outcome, replies []dialogue.Reply) {
	st := out.State
	base := ResearchTurn{
		Pseudonym: sess.Research, Day: Day(in.Time), Channel: st.Channel, Source: st.Source, Test: st.Test,
		Consent: st.Consent.Research.Version, State: st.Phase, Tone: out.Trace.Tone, Offer: st.Offer,
	}
	if n := len(st.Steps); n > 0 {
		if best, _ := st.Steps[n-1].Posterior.Best(); st.Done {
			base.Segment = int(best)
		}
	}
	seq := researchSeq(sess)
	citizen := base
	citizen.From = "citizen"
	switch {
	case in.NonText:
		citizen.Text, citizen.Input = "[GEEN TEKST]", InputNonText
	case in.Choice != "" && in.Text == "":
		citizen.Text, citizen.Input = "[KNOP "+in.Choice+"]", InputButton
	default:
		// Typed text, also when the channel read it as a choice: a
		// typed "2" is not a button press.
		citizen.Text, citizen.Input = s.opts.Redact(cutText(in.Text)), InputTyped
	}
	// The answer this message gave, if it gave one.
	if n := len(st.Steps); n > 0 && st.Steps[n-1].At.Equal(in.Time) && st.Turns > 0 {
		last := st.Steps[n-1]
		v := last.Value
		p := [3]float64(last.Posterior)
		citizen.Statement, citizen.Value, citizen.Posterior = last.Statement, &v, &p
	}
	citizen.Seq = seq
	sess.ResearchOut = append(sess.ResearchOut, citizen)
	for _, r := range replies {
		b := base
		b.From = "bot"
		b.Seq = seq + len(sess.ResearchOut)
		b.Text = r.Text
		sess.ResearchOut = append(sess.ResearchOut, b)
	}
	markFollowup(sess, out)
	for i := range sess.ResearchOut {
		sess.ResearchOut[i].Seq = seq + i
	}
}

// cutText cuts s to what the engine reads (dialogue.MaxText bytes, on a
// rune boundary), so that a research record never keeps more than that.
func cutText(s string) string {
	if len(s) <= dialogue.MaxText {
		return s
	}
	cut := dialogue.MaxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// tallies returns the aggregate counters a step changes: conversations
// started (per day), consent answers, completed conversations per segment.
// Staff test conversations count under a "test:" prefix.
func tallies(before, after dialogue.State, at time.Time) map[string]int {
	t := map[string]int{}
	if before.Phase == "" || (before.Phase == dialogue.PhaseWelcome && after.Phase != dialogue.PhaseWelcome) {
		if after.Phase != dialogue.PhaseWelcome {
			t["started"]++
			t["started:"+Day(at)]++
		}
	}
	if before.Consent.Keep == nil && after.Consent.Keep != nil {
		t["consent_keep_"+yesNo(after.Consent.Keep.Given)]++
	}
	if before.Consent.Research == nil && after.Consent.Research != nil {
		t["consent_research_"+yesNo(after.Consent.Research.Given)]++
	}
	if !before.Done && after.Done {
		t["completed"]++
		if s := SegmentOf(after); s != 0 {
			t[fmt.Sprintf("segment_%d", s)]++
		}
	}
	if after.Test && len(t) > 0 {
		test := map[string]int{}
		for k, v := range t {
			test["test:"+k] = v
		}
		return test
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// researchSeq numbers research turns within a conversation: two per
// handled message leaves room, and the turn counter only grows.
func researchSeq(sess *Session) int { return sess.Conv.Turns * 1000 }

func traceOf(sess *Session) dialogue.Trace {
	return dialogue.Trace{State: sess.Conv.Phase, Answered: sess.Conv.Answered(), Next: sess.Conv.Pending}
}

// attachData completes a /gegevens answer with the research records kept
// and a JSON document of everything.
func (s *Service) attachData(ctx context.Context, res *Result, sess *Session, research string) {
	var turns []ResearchTurn
	_ = s.store.Research(ctx, func(t ResearchTurn) error {
		if t.Pseudonym == research {
			turns = append(turns, t)
		}
		return nil
	})
	type handoverView struct {
		Number string    `json:"number"`
		Status string    `json:"status"`
		Asked  time.Time `json:"asked"`
		Worker string    `json:"worker,omitempty"`
		Posts  int       `json:"desk_posts"`
		Phone  bool      `json:"phone_kept"`
	}
	var hv *handoverView
	if h := sess.Handover; h != nil {
		hv = &handoverView{Number: h.Number, Status: h.Status, Asked: h.Asked, Worker: h.Worker, Posts: len(h.Posts), Phone: h.Phone != ""}
	}
	doc := struct {
		Conversation dialogue.State `json:"conversation"`
		Research     []ResearchTurn `json:"research_records"`
		Handover     *handoverView  `json:"handover,omitempty"`
	}{sess.Conv, turns, hv}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return
	}
	note := fmt.Sprintf("Voor onderzoek bewaard: %d regels (zonder naam of nummer).", len(turns))
	if sess.Conv.Lang == "en" {
		note = fmt.Sprintf("Kept for research: %d lines (without name or number).", len(turns))
	}
	// The note goes right after the data reply, before any re-asked question.
	for i, r := range res.Replies {
		if r.Choices == nil {
			res.Replies = append(res.Replies[:i+1], append([]dialogue.Reply{{Text: note, Document: &dialogue.Document{Name: "mijn-gegevens.json", Data: data}}}, res.Replies[i+1:]...)...)
			return
		}
	}
	res.Replies = append(res.Replies, dialogue.Reply{Text: note, Document: &dialogue.Document{Name: "mijn-gegevens.json", Data: data}})
}

// Pseudonymizer turns channel user ids into keyed pseudonyms (HMAC-SHA256).
// Without the secret a pseudonym cannot be linked back to an id; with a new
// secret every pseudonym changes (see the README on rotating it).
type Pseudonymizer struct{ secret []byte }

// NewPseudonymizer returns a Pseudonymizer keyed with secret.
func NewPseudonymizer(secret []byte) *Pseudonymizer {
	return &Pseudonymizer{secret: append([]byte(nil), secret...)}
}

func (p *Pseudonymizer) mac(parts ...string) string {
	m := hmac.New(sha256.New, p.secret)
	for _, s := range parts {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Key returns the conversation key of a user in a channel.
func (p *Pseudonymizer) Key(channel, userID string) string {
	return "s-" + p.mac("session", channel, userID)[:40]
}

// Research returns the research pseudonym of a user in a channel; it is
// unrelated to Key, so research data cannot be joined with sessions.
func (p *Pseudonymizer) Research(channel, userID string) string {
	return "r-" + p.mac("research", channel, userID)[:24]
}

// Segment of a finished conversation, for figures.
func SegmentOf(st dialogue.State) segment.Segment {
	if !st.Done || len(st.Steps) == 0 {
		return 0
	}
	best, _ := st.Steps[len(st.Steps)-1].Posterior.Best()
	return best
}
