package dialogue

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/looplab/fsm"

	"github.com/proactief/proactief/segment"
)

// ConsentVersion identifies the consent texts; it is recorded with every
// consent answer. Change it whenever intro, consent_keep_q,
// consent_research_q or consent_more change in meaning.
const ConsentVersion = "2026-12-v2"

// MaxText is the longest message the engine reads, in bytes; longer text is
// cut (on a rune boundary) and the person is told.
const MaxText = 2000

// Options configure an [Engine]. The zero value works.
type Options struct {
	// Model picks and stops the statements; nil means segment.New(segment.Options{}).
	Model *segment.Model
	// RetentionDays is told to the person in the consent texts; 0 means 30.
	RetentionDays int
	// ToneThreshold is the posterior probability of the leading segment from
	// which the tone follows it; 0 means 0.6.
	ToneThreshold float64
	// ToneMinAnswers is how many statements must be answered before the
	// tone follows the inference; 0 means 2.
	ToneMinAnswers int
	// Municipality is who the bot speaks for; the zero value gives the
	// national, generic routes.
	Municipality Municipality
	// ResearchDays is how long research records are kept, told to the
	// person when they ask why at the research question; 0 means 365.
	ResearchDays int
	// Campaigns are the reasons the municipality contacts people; a
	// conversation started from a campaign's deep link hears its text
	// before consent is asked.
	Campaigns []Campaign
	// Content is the engine's messages; nil means the embedded content
	// (see [LoadContentWith] for a deployment's own).
	Content *Content
	// Handover makes a request for a person start a handover to municipal
	// staff (a desk is configured); false gives the contact route.
	Handover bool
	// FollowupChannels are the channels (Input.Channel) that can deliver a
	// follow-up; the question is asked only there. nil means none: no
	// follow-ups.
	FollowupChannels []string
	// FollowupAfter is when a follow-up is sent if the person agrees
	// without choosing a moment; 0 means 168h (a week).
	FollowupAfter time.Duration
	// Allowed returns the first moment at or after t at which a message
	// nobody asked for may be sent (quiet hours); nil means any moment.
	// It must be pure: the engine calls it with the message's time.
	Allowed func(t time.Time) time.Time
}

// Engine runs conversations. It is safe for concurrent use: it keeps no
// per-conversation state of its own.
type Engine struct {
	content *Content
	model   *segment.Model
	opts    Options
	events  fsm.Events
	first   segment.Bounds // the promise before any answer, which the welcome states
}

// Outcome is what one [Engine.Step] produced.
type Outcome struct {
	State   State
	Replies []Reply
	// Erase asks the runtime to erase everything kept about the person:
	// their session and their research records.
	Erase bool
	// EraseResearch asks the runtime to erase the person's research records
	// (research consent was withdrawn).
	EraseResearch bool
	// ShowData asks the runtime to add what it keeps outside State (the
	// research records) to the /gegevens answer.
	ShowData bool
	// Trace is one line of diagnostics for --trace and staff: no text the
	// person typed is in it.
	Trace Trace
	// Decision is the segment model's last decision, for staff traces.
	Decision segment.Decision
	// Intent is what the understanding step heard in the message
	// (IntentNone for an answer, a button or a command). Adapters count
	// it in their metrics; it holds no text.
	Intent Intent
	// Sensitive marks a message about a crisis (suicidal thoughts,
	// self-harm, acute danger): its text must not reach research records
	// or logs. A runtime that hands the conversation to a worker forwards
	// it to that worker, flagged.
	Sensitive bool
	// Handover is what the message did to a handover (see handover.go).
	Handover HandoverStep
	// Schedule, when set, asks the runtime to send a follow-up later; it
	// replaces any follow-up still pending for this conversation.
	Schedule *Scheduled
	// CancelFollowups asks the runtime to cancel every follow-up still
	// pending for this conversation.
	CancelFollowups bool
	// FollowupResult is the answer to a follow-up this step recorded
	// (ResultGelukt, ...), "" when none.
	FollowupResult string
}

// Trace describes the engine after a step, as `proactief chat --trace` prints it.
type Trace struct {
	State     string            `json:"state"`
	Answered  int               `json:"answered"`
	Posterior segment.Posterior `json:"posterior"`
	Next      string            `json:"next"`
	Tone      Tone              `json:"tone"`
	// Intent is what the understanding step heard ("" for none).
	Intent Intent `json:"intent,omitempty"`
	// Parsed is how a typed answer to a statement was read: "value 4",
	// "skip", "why" or "not understood"; "" when no answer was read.
	Parsed string `json:"parsed,omitempty"`
}

// Events of the state machine. Global commands (/opnieuw, /stop, /vergeet)
// are events valid from every state.
var allPhases = []string{PhaseWelcome, PhaseConsentKeep, PhaseConsentResearch, PhaseProfiling, PhaseOffer, PhaseClosing, PhaseConfirmErase, PhaseConsentFollowup}

func machineEvents() fsm.Events {
	notErase := []string{PhaseWelcome, PhaseConsentKeep, PhaseConsentResearch, PhaseProfiling, PhaseOffer, PhaseClosing, PhaseConsentFollowup}
	return append(fsm.Events{
		{Name: "begin", Src: []string{PhaseWelcome}, Dst: PhaseConsentKeep},
		{Name: "keep_answered", Src: []string{PhaseConsentKeep}, Dst: PhaseConsentResearch},
		{Name: "research_answered", Src: []string{PhaseConsentResearch}, Dst: PhaseProfiling},
		{Name: "profile_done", Src: []string{PhaseProfiling}, Dst: PhaseOffer},
		{Name: "offer_answered", Src: []string{PhaseOffer}, Dst: PhaseClosing},
		{Name: "restart_consent", Src: allPhases, Dst: PhaseConsentKeep},
		{Name: "restart_profiling", Src: allPhases, Dst: PhaseProfiling},
		{Name: "stop", Src: notErase, Dst: PhaseClosing},
		{Name: "ask_erase", Src: notErase, Dst: PhaseConfirmErase},
		{Name: "erased", Src: []string{PhaseConfirmErase}, Dst: PhaseWelcome},
	}, followupEvents...)
}

// New returns an engine with the embedded content. It returns an error when
// the content is incomplete (see [LoadContent]).
func New(opts Options) (*Engine, error) {
	c := opts.Content
	if c == nil {
		var err error
		if c, err = LoadContent(); err != nil {
			return nil, err
		}
	}
	if opts.Model == nil {
		opts.Model = segment.New(segment.Options{})
	}
	if opts.RetentionDays <= 0 {
		opts.RetentionDays = 30
	}
	if opts.ResearchDays <= 0 {
		opts.ResearchDays = 365
	}
	if opts.ToneThreshold <= 0 {
		opts.ToneThreshold = 0.6
	}
	if opts.ToneMinAnswers <= 0 {
		opts.ToneMinAnswers = 2
	}
	if opts.FollowupAfter <= 0 {
		opts.FollowupAfter = DefaultFollowupAfter
	}
	_, first := opts.Model.Plan(nil, segment.Bounds{})
	return &Engine{content: c, model: opts.Model, opts: opts, events: machineEvents(), first: first}, nil
}

// Content returns the engine's messages.
func (e *Engine) Content() *Content { return e.content }

// Model returns the segment model the engine asks with.
func (e *Engine) Model() *segment.Model { return e.model }

// KnownPhase reports whether p names a state of the machine.
func KnownPhase(p string) bool {
	for _, q := range allPhases {
		if p == q {
			return true
		}
	}
	return false
}

// turn is the work of one Step: the state being changed and the replies
// being gathered.
type turn struct {
	e      *Engine
	st     State
	in     Input
	out    Outcome
	dec    segment.Decision
	parsed string // how a typed answer was read, for the trace
	// unclear is set when the step said it did not understand what was
	// typed; finish then adds the safety net (safetyNet).
	unclear bool
	// beside is set when an answer was read beside other typed words
	// ("3, want ..."); finish adds the safety net to it too.
	beside bool
}

// Step handles one message: it returns the new state and the replies. It
// never fails: input it cannot use gets a friendly answer.
func (e *Engine) Step(st State, in Input) Outcome {
	t := &turn{e: e, st: st, in: in}
	if t.in.Time.IsZero() {
		t.in.Time = time.Unix(0, 0).UTC()
	}
	t.start()
	t.handle()
	t.finish()
	return t.out
}

func (t *turn) start() {
	st := &t.st
	if st.Phase == "" || !KnownPhase(st.Phase) {
		fresh := State{Phase: PhaseWelcome, Started: t.in.Time, Channel: t.in.Channel, Test: t.in.Staff, Lang: normLang(t.in.Lang)}
		*st = fresh
	}
	if st.Lang == "" {
		st.Lang = normLang(t.in.Lang)
	}
	if st.Channel == "" {
		st.Channel = t.in.Channel
	}
	st.Turns++
	st.Updated = t.in.Time
}

func (t *turn) finish() {
	t.safetyNet()
	t.out.State = t.st
	ans := t.st.Answers()
	post := t.e.model.Posterior(ans)
	t.out.Trace = Trace{State: t.st.Phase, Answered: t.st.Answered(), Posterior: roundPosterior(post), Next: t.st.Pending, Tone: t.tone(),
		Intent: t.out.Intent, Parsed: t.parsed}
	if t.dec.Posterior == (segment.Posterior{}) {
		t.dec = t.e.model.Next(ans)
	}
	t.out.Decision = t.dec
}

// roundPosterior rounds to three decimals, so a trace reads 0.22 rather
// than 0.22000000000000003.
func roundPosterior(p segment.Posterior) segment.Posterior {
	for i := range p {
		p[i] = math.Round(p[i]*1000) / 1000
	}
	return p
}

// fire moves the machine. A NoTransitionError (a self-transition) is not a
// failure; any other error is a bug in the event table and is reported as a
// reply-free no-op so the conversation never breaks.
func (t *turn) fire(event string) {
	// The machine is built from the current phase for each transition (most
	// messages make none); it has no callbacks, so nothing can be skipped.
	m := fsm.NewFSM(t.st.Phase, t.e.events, fsm.Callbacks{})
	err := m.Event(context.Background(), event)
	var nt fsm.NoTransitionError
	if err != nil && !errors.As(err, &nt) {
		// Unreachable with the event table above; keep the state as it is.
		return
	}
	t.st.Phase = m.Current()
}

// say adds a reply with message key in the current tone.
func (t *turn) say(key string, args ...string) {
	text := t.text(key, args...)
	if text == "" {
		return
	}
	t.out.Replies = append(t.out.Replies, Reply{Text: text})
}

func (t *turn) text(key string, args ...string) string {
	return t.e.content.Text(t.lang(), key, t.tone(), args...)
}

// lang is the content language: Dutch in the "u" form when the
// municipality writes to its residents that way.
func (t *turn) lang() string {
	if t.st.Lang == "nl" && t.e.opts.Municipality.Formal {
		return FormalLang
	}
	return t.st.Lang
}

// ask adds a question reply with buttons; prompt identifies the question so
// that a tap on an old button is recognised.
func (t *turn) ask(text, prompt string, choices ...Choice) {
	t.st.Prompt = prompt
	t.out.Replies = append(t.out.Replies, Reply{Text: text, Choices: choices, Prompt: prompt})
}

func (t *turn) choice(id, key string) Choice { return Choice{ID: id, Label: t.text(key)} }

// tone is the tone for the next replies: the person's own choice wins, then
// a staff preview, then the inference once it is sure enough.
func (t *turn) tone() Tone {
	if t.st.Style.Valid() {
		return t.st.Style
	}
	if t.st.Forced.Valid() {
		return t.st.Forced
	}
	if t.st.Answered() < t.e.opts.ToneMinAnswers {
		return Neutral
	}
	best, p := t.e.model.Posterior(t.st.Answers()).Best()
	if p < t.e.opts.ToneThreshold {
		return Neutral
	}
	return ToneFor(best)
}

func normLang(l string) string {
	l = strings.ToLower(l)
	if strings.HasPrefix(l, "en") {
		return "en"
	}
	return "nl"
}

// cleanText makes typed text safe to read: invalid UTF-8 and control
// characters go, zero-width and direction marks go, and it is cut at MaxText.
func (t *turn) cleanText() string {
	s := t.in.Text
	if len(s) > MaxText {
		cut := MaxText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		t.say("too_long")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
		t.say("bad_text")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func (t *turn) handle() {
	if t.inHandover() {
		return
	}
	if t.in.NonText {
		t.say("nontext")
		t.reask()
		return
	}
	text := t.cleanText()
	if text == "" && t.in.Choice == "" {
		t.say("empty")
		t.reask()
		return
	}
	if t.in.Choice != "" && t.in.Prompt == promptPause && t.st.Prompt == promptPause {
		t.paused("")
		return
	}
	if t.in.Choice != "" && t.in.Prompt == promptFollowup {
		t.followupChoice(t.in.Choice)
		return
	}
	if t.in.Choice != "" && t.in.Prompt != "" && t.in.Prompt != promptPrivacy && t.in.Prompt != t.st.Prompt {
		t.say("stale_button")
		t.reask()
		return
	}
	if t.in.Choice == "" {
		if t.in.Staff && strings.HasPrefix(text, "!") {
			t.staff(text)
			return
		}
		if strings.HasPrefix(text, "!") && len(text) > 1 && isStaffWord(text) {
			t.say("staff_only")
			return
		}
		if strings.HasPrefix(text, "/") && t.command(text) {
			return
		}
		// What the person means comes before any answer: a crisis or an
		// urgent need even before a command word ("stop, ik wil niet meer
		// leven"); the other intents after the commands ("meer uitleg").
		m := t.understand(text)
		if t.understood(m, true) {
			return
		}
		if t.command(text) {
			return
		}
		if t.understood(m, false) {
			return
		}
		if t.paused(text) {
			return
		}
	} else if t.in.Prompt == promptPrivacy {
		t.privacyChoice(t.in.Choice)
		return
	}
	switch t.st.Phase {
	case PhaseWelcome:
		t.welcome()
	case PhaseConsentKeep, PhaseConsentResearch:
		t.consent(text)
	case PhaseProfiling:
		t.profiling(text)
	case PhaseOffer:
		t.offer(text)
	case PhaseClosing:
		if !t.followupText(text) {
			t.say("closed_hint")
		}
	case PhaseConsentFollowup:
		t.consentFollowup(text)
	case PhaseConfirmErase:
		t.confirmErase(text)
	}
}

const (
	promptConsentKeep     = "consent_keep"
	promptConsentResearch = "consent_research"
	promptOffer           = "offer"
	promptErase           = "erase"
	promptPrivacy         = "privacy"
	promptQuestionPrefix  = "q:"
)

// reask repeats the question the person is expected to answer now.
func (t *turn) reask() {
	switch t.st.Phase {
	case PhaseWelcome:
		// Nothing asked yet (a new conversation, or one this process does
		// not know, such as one without consent after a restart): start it.
		t.welcome()
	case PhaseConsentKeep:
		t.askConsentKeep()
	case PhaseConsentResearch:
		t.askConsentResearch()
	case PhaseProfiling:
		if t.st.Pending == "" {
			t.nextStatement(t.plan())
			return
		}
		t.askStatement(t.st.Pending, false)
	case PhaseOffer:
		t.askOffer(false)
	case PhaseConfirmErase:
		t.askEraseQuestion()
	case PhaseConsentFollowup:
		t.askFollowup(false)
	}
}
