package dialogue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
const ConsentVersion = "2026-11-v1"

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
}

// Engine runs conversations. It is safe for concurrent use: it keeps no
// per-conversation state of its own.
type Engine struct {
	content *Content
	model   *segment.Model
	opts    Options
	events  fsm.Events
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
}

// Trace describes the engine after a step, as `proactief chat --trace` prints it.
type Trace struct {
	State     string            `json:"state"`
	Answered  int               `json:"answered"`
	Posterior segment.Posterior `json:"posterior"`
	Next      string            `json:"next"`
	Tone      Tone              `json:"tone"`
}

// Events of the state machine. Global commands (/opnieuw, /stop, /vergeet)
// are events valid from every state.
var allPhases = []string{PhaseWelcome, PhaseConsentKeep, PhaseConsentResearch, PhaseProfiling, PhaseOffer, PhaseClosing, PhaseConfirmErase}

func machineEvents() fsm.Events {
	notErase := []string{PhaseWelcome, PhaseConsentKeep, PhaseConsentResearch, PhaseProfiling, PhaseOffer, PhaseClosing}
	return fsm.Events{
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
	}
}

// New returns an engine with the embedded content. It returns an error when
// the content is incomplete (see [LoadContent]).
func New(opts Options) (*Engine, error) {
	c, err := LoadContent()
	if err != nil {
		return nil, err
	}
	if opts.Model == nil {
		opts.Model = segment.New(segment.Options{})
	}
	if opts.RetentionDays <= 0 {
		opts.RetentionDays = 30
	}
	if opts.ToneThreshold <= 0 {
		opts.ToneThreshold = 0.6
	}
	if opts.ToneMinAnswers <= 0 {
		opts.ToneMinAnswers = 2
	}
	return &Engine{content: c, model: opts.Model, opts: opts, events: machineEvents()}, nil
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
	e   *Engine
	st  State
	in  Input
	out Outcome
	dec segment.Decision
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
	t.out.State = t.st
	ans := t.st.Answers()
	post := t.e.model.Posterior(ans)
	t.out.Trace = Trace{State: t.st.Phase, Answered: t.st.Answered(), Posterior: post, Next: t.st.Pending, Tone: t.tone()}
	if t.dec.Posterior == (segment.Posterior{}) {
		t.dec = t.e.model.Next(ans)
	}
	t.out.Decision = t.dec
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
	return t.e.content.Text(t.st.Lang, key, t.tone(), args...)
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
		if t.command(text) {
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
		t.say("closed_hint")
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

// command handles the commands valid in every state. It reports whether
// text was one.
func (t *turn) command(text string) bool {
	low := strings.ToLower(strings.TrimSpace(text))
	word, arg, _ := strings.Cut(low, " ")
	switch word {
	case "/start", "start":
		if src := sourceParam(strings.TrimSpace(text[len(word):])); src != "" && t.st.Source == "" {
			t.st.Source = src
		}
		if t.st.Phase == PhaseWelcome {
			t.welcome()
		} else {
			t.say("welcome_back")
			t.reask()
		}
		return true
	case "/help", "/hulp", "help", "hulp", "/?":
		t.say("help")
		t.reask()
		return true
	case "/privacy", "privacy":
		t.privacy()
		return true
	case "/gegevens", "/data", "/mydata":
		t.showData()
		return true
	case "/vergeet", "/forget", "/wis", "/erase", "/delete":
		t.askErase()
		return true
	case "/opnieuw", "/restart", "/reset", "opnieuw":
		t.restart()
		return true
	case "/stop", "stop", "stoppen", "/stoppen", "klaar", "genoeg":
		t.stop()
		return true
	case "/kort", "korter", "kort", "shorter", "/short":
		t.setStyle(Brief, "style_brief")
		return true
	case "/uitleg", "uitleg", "/slow", "/explain", "langzamer", "rustiger":
		t.setStyle(Slow, "style_slow")
		return true
	case "/keuzes", "/choices":
		t.setStyle(Autonomy, "style_autonomy")
		return true
	case "/stijl", "/style":
		switch arg {
		case "kort", "short", "brief":
			t.setStyle(Brief, "style_brief")
		case "uitleg", "slow", "explain":
			t.setStyle(Slow, "style_slow")
		case "keuzes", "choices", "autonomy":
			t.setStyle(Autonomy, "style_autonomy")
		default:
			t.setStyle("", "style_auto")
		}
		return true
	}
	switch low {
	case "meer uitleg", "meer uitleg graag", "more explanation", "explain more", "slower", "rustig aan":
		t.setStyle(Slow, "style_slow")
		return true
	case "korter graag", "kort graag", "be brief", "short please":
		t.setStyle(Brief, "style_brief")
		return true
	}
	if strings.HasPrefix(low, "/") {
		t.say("unknown_command")
		t.reask()
		return true
	}
	return false
}

// sourceParam keeps a deep-link parameter only when it looks like a campaign
// code, never like something personal: letters, digits, - and _, at most 64.
func sourceParam(p string) string {
	if p == "" || len(p) > 64 {
		return ""
	}
	for _, r := range p {
		if !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return ""
		}
	}
	digits := 0
	for _, r := range p {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 6 { // a phone number, BSN or customer number is not a campaign
		return ""
	}
	return strings.ToLower(p)
}

func (t *turn) setStyle(tone Tone, key string) {
	t.st.Style = tone
	t.say(key)
	t.reask()
}

func (t *turn) welcome() {
	t.fire("begin")
	t.say("intro", "days", strconv.Itoa(t.e.opts.RetentionDays))
	t.askConsentKeep()
}

func (t *turn) askConsentKeep() {
	t.ask(t.text("consent_keep_q", "days", strconv.Itoa(t.e.opts.RetentionDays)), promptConsentKeep,
		t.choice("yes", "btn_yes"), t.choice("no", "btn_no"), t.choice("more", "btn_more"))
}

func (t *turn) askConsentResearch() {
	t.ask(t.text("consent_research_q"), promptConsentResearch,
		t.choice("yes", "btn_yes"), t.choice("no", "btn_no"), t.choice("more", "btn_more"))
}

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
			t.nextStatement()
			return
		}
		t.askStatement(t.st.Pending, false)
	case PhaseOffer:
		t.askOffer(false)
	case PhaseConfirmErase:
		t.askEraseQuestion()
	}
}

func (t *turn) consent(text string) {
	yes, ok := t.yesNo(text)
	if !ok {
		return
	}
	d := &Decision{Given: yes, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
	if t.st.Phase == PhaseConsentKeep {
		t.st.Consent.Keep = d
		t.say(map[bool]string{true: "keep_yes", false: "keep_no"}[yes])
		t.fire("keep_answered")
		t.askConsentResearch()
		return
	}
	t.st.Consent.Research = d
	t.say(map[bool]string{true: "research_yes", false: "research_no"}[yes])
	t.fire("research_answered")
	t.startProfiling()
}

// yesNo reads a consent answer. When it is not a yes or no it answers the
// person itself (explains, or asks again) and returns ok false.
func (t *turn) yesNo(text string) (yes, ok bool) {
	switch t.in.Choice {
	case "yes":
		return true, true
	case "no":
		return false, true
	case "more":
		t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
		t.reask()
		return false, false
	case "":
	default:
		t.say("consent_unclear")
		t.reask()
		return false, false
	}
	switch parseYesNo(text) {
	case answerYes:
		return true, true
	case answerNo:
		return false, true
	case answerWhy:
		t.say("consent_more", "days", strconv.Itoa(t.e.opts.RetentionDays))
	default:
		t.say("consent_unclear")
	}
	t.reask()
	return false, false
}

func (t *turn) startProfiling() {
	d := t.e.model.Next(t.st.Answers())
	t.dec = d
	t.say("profiling_intro", "n", strconv.Itoa(max(d.Remaining, 1)))
	t.nextStatement()
}

// nextStatement asks the statement the model picks, or ends profiling.
func (t *turn) nextStatement() {
	d := t.e.model.Next(t.st.Answers())
	t.dec = d
	if d.Done || d.Next == "" {
		t.finishProfiling()
		return
	}
	t.st.Pending = d.Next
	t.st.Retries = 0
	t.askStatement(d.Next, true)
}

func (t *turn) finishProfiling() {
	t.st.Pending = ""
	t.st.Done = true
	t.fire("profile_done")
	t.askOffer(true)
}

// progress renders the "nog ongeveer N vragen" line. The shown number never
// grows without saying so.
func (t *turn) progress(fresh bool) string {
	est := t.dec.Remaining
	if est < 1 {
		est = 1
	}
	if !fresh && t.st.Shown > 0 {
		est = t.st.Shown
	}
	key := "progress_many"
	if fresh && t.st.Shown > 0 && est > t.st.Shown {
		key = "progress_more"
	}
	t.st.Shown = est
	if est == 1 {
		if key == "progress_more" {
			return t.text(key, "n", "1")
		}
		return t.text("progress_one")
	}
	return t.text(key, "n", strconv.Itoa(est))
}

func (t *turn) askStatement(id string, fresh bool) {
	s, ok := segment.Find(id)
	if !ok {
		// A stored statement that no longer exists: pick another.
		t.st.Pending = ""
		t.nextStatement()
		return
	}
	if !fresh && t.dec.Posterior == (segment.Posterior{}) {
		t.dec = t.e.model.Next(t.st.Answers())
	}
	q := t.questionText(s)
	text := t.text("question", "question", q, "progress", t.progress(fresh))
	t.ask(strings.TrimSpace(text), promptQuestionPrefix+id, t.scaleChoices(s)...)
}

func (t *turn) questionText(s segment.Statement) string {
	if t.st.Lang == "en" && s.AskEN != "" {
		return s.AskEN
	}
	if s.AskNL != "" {
		return s.AskNL
	}
	return s.Text
}

func (t *turn) scaleChoices(s segment.Statement) []Choice {
	prefix := "btn_agree_"
	if s.Kind == segment.Importance {
		prefix = "btn_imp_"
	}
	cs := make([]Choice, 0, 7)
	for i := 1; i <= 5; i++ {
		n := strconv.Itoa(i)
		cs = append(cs, t.choice(n, prefix+n))
	}
	return append(cs, t.choice("skip", "btn_skip"), t.choice("why", "btn_why"))
}

func (t *turn) profiling(text string) {
	if t.st.Pending == "" {
		t.nextStatement()
		return
	}
	var p segment.Parsed
	switch c := t.in.Choice; c {
	case "":
		p = segment.Parse(text)
	case "skip":
		p = segment.Parsed{Kind: segment.Skip}
	case "why":
		p = segment.Parsed{Kind: segment.Why}
	default:
		v, err := strconv.Atoi(c)
		if err != nil || v < 1 || v > 5 {
			t.say("stale_button")
			t.reask()
			return
		}
		p = segment.Parsed{Kind: segment.Value, Value: v}
	}
	switch p.Kind {
	case segment.Why:
		s, _ := segment.Find(t.st.Pending)
		why := s.WhyNL
		if t.st.Lang == "en" && s.WhyEN != "" {
			why = s.WhyEN
		}
		t.say("why", "why", why)
		t.reask()
		return
	case segment.NotUnderstood:
		t.st.Retries++
		if t.st.Retries >= 2 {
			t.say("not_understood_again")
			t.reask()
			return
		}
		s, _ := segment.Find(t.st.Pending)
		t.st.Prompt = promptQuestionPrefix + s.ID
		t.out.Replies = append(t.out.Replies, Reply{
			Text:    t.text("not_understood", "question", t.questionText(s)),
			Choices: t.scaleChoices(s),
			Prompt:  t.st.Prompt,
		})
		return
	}
	value := 0
	if p.Kind == segment.Value {
		value = p.Value
	}
	t.st.Steps = append(t.st.Steps, Step{Statement: t.st.Pending, Value: value, At: t.in.Time})
	post := t.e.model.Posterior(t.st.Answers())
	last := &t.st.Steps[len(t.st.Steps)-1]
	last.Posterior = post
	last.Tone = t.tone()
	t.st.Pending = ""
	if value == 0 {
		t.say("skipped")
	} else {
		t.say("ack")
	}
	t.nextStatement()
}

var offerChoices = []string{"link", "person", "self", "later"}

func (t *turn) askOffer(fresh bool) {
	cs := make([]Choice, len(offerChoices))
	for i, id := range offerChoices {
		cs[i] = t.choice("offer_"+id, "btn_offer_"+id)
	}
	text := t.text("offer")
	if !fresh {
		text = t.text("offer_unclear")
	}
	t.ask(text, promptOffer, cs...)
}

func (t *turn) offer(text string) {
	id := strings.TrimPrefix(t.in.Choice, "offer_")
	if t.in.Choice == "" {
		id = parseOffer(text)
	}
	valid := false
	for _, o := range offerChoices {
		valid = valid || id == o
	}
	if !valid {
		t.askOffer(false)
		return
	}
	t.st.Offer = id
	t.say("offer_" + id)
	t.fire("offer_answered")
	t.st.Prompt = ""
	t.say("closing")
}

// parseOffer maps typed text to an offer: a number 1..4 or a keyword.
func parseOffer(text string) string {
	low := strings.ToLower(strings.Trim(text, " .!"))
	if n, err := strconv.Atoi(low); err == nil && n >= 1 && n <= len(offerChoices) {
		return offerChoices[n-1]
	}
	switch {
	case strings.Contains(low, "praat") || strings.Contains(low, "persoon") || strings.Contains(low, "mens") || strings.Contains(low, "bel") || strings.Contains(low, "talk") || strings.Contains(low, "person"):
		return "person"
	case strings.Contains(low, "zelf") || strings.Contains(low, "tips") || strings.Contains(low, "myself"):
		return "self"
	case strings.Contains(low, "later") || strings.Contains(low, "niet nu") || strings.Contains(low, "nee"):
		return "later"
	case strings.Contains(low, "online") || strings.Contains(low, "link") || strings.Contains(low, "website") || strings.Contains(low, "kijk"):
		return "link"
	}
	return ""
}

func (t *turn) stop() {
	if t.st.Phase == PhaseProfiling {
		t.st.Stopped = true
		t.say("stopped_early")
		t.finishProfiling()
		return
	}
	if t.st.Phase == PhaseConfirmErase {
		t.st.Phase = t.st.Prev
	}
	t.st.Prompt = ""
	t.st.Pending = ""
	t.fire("stop")
	t.say("stopped")
}

func (t *turn) restart() {
	t.st.Steps = nil
	t.st.Pending = ""
	t.st.Shown = 0
	t.st.Offer = ""
	t.st.Stopped = false
	t.st.Done = false
	t.st.Retries = 0
	t.say("restart")
	if t.st.Consent.Keep == nil || t.st.Consent.Research == nil {
		t.st.Phase = PhaseConsentKeep
		t.fire("restart_consent")
		if t.st.Consent.Keep == nil {
			t.askConsentKeep()
		} else {
			t.fire("keep_answered")
			t.askConsentResearch()
		}
		return
	}
	t.fire("restart_profiling")
	t.startProfiling()
}

func (t *turn) status(d *Decision) string {
	switch {
	case d == nil:
		return t.text("status_open")
	case d.Given:
		return t.text("status_yes")
	}
	return t.text("status_no")
}

func (t *turn) privacy() {
	text := t.text("privacy", "keep", t.status(t.st.Consent.Keep), "research", t.status(t.st.Consent.Research), "days", strconv.Itoa(t.e.opts.RetentionDays))
	var cs []Choice
	if t.st.Consent.Keeps() {
		cs = append(cs, t.choice("keep_off", "btn_keep_off"))
	} else if t.st.Consent.Keep != nil {
		cs = append(cs, t.choice("keep_on", "btn_keep_on"))
	}
	if t.st.Consent.Researchable() {
		cs = append(cs, t.choice("research_off", "btn_research_off"))
	} else if t.st.Consent.Research != nil {
		cs = append(cs, t.choice("research_on", "btn_research_on"))
	}
	cs = append(cs, t.choice("erase", "btn_erase"))
	// The privacy buttons stay valid whatever is asked next, so they do not
	// replace the current prompt.
	t.out.Replies = append(t.out.Replies, Reply{Text: text, Choices: cs, Prompt: promptPrivacy})
}

func (t *turn) privacyChoice(id string) {
	now := func(given bool) *Decision {
		return &Decision{Given: given, Version: ConsentVersion, At: t.in.Time, Channel: t.in.Channel}
	}
	switch id {
	case "keep_off":
		t.st.Consent.Keep = now(false)
		t.say("keep_withdrawn")
	case "keep_on":
		if t.st.Consent.Keep == nil { // never asked: a forged button gives no consent
			t.say("stale_button")
			break
		}
		t.st.Consent.Keep = now(true)
		t.say("keep_given")
	case "research_off":
		t.st.Consent.Research = now(false)
		t.out.EraseResearch = true
		t.say("research_withdrawn")
	case "research_on":
		if t.st.Consent.Research == nil {
			t.say("stale_button")
			break
		}
		t.st.Consent.Research = now(true)
		t.say("research_given")
	case "erase":
		t.askErase()
		return
	default:
		t.say("stale_button")
	}
	t.reask()
}

func (t *turn) showData() {
	t.out.ShowData = true
	var b strings.Builder
	fmt.Fprintf(&b, "- %s: %s\n", t.label("privacy_keep"), t.status(t.st.Consent.Keep))
	fmt.Fprintf(&b, "- %s: %s\n", t.label("privacy_research"), t.status(t.st.Consent.Research))
	if t.st.Source != "" {
		fmt.Fprintf(&b, "- %s: %s\n", t.label("source"), t.st.Source)
	}
	for _, s := range t.st.Steps {
		st, _ := segment.Find(s.Statement)
		v := "-"
		if s.Value > 0 {
			v = strconv.Itoa(s.Value)
		}
		fmt.Fprintf(&b, "- %s: %s\n", t.questionText(st), v)
	}
	if t.st.Offer != "" {
		fmt.Fprintf(&b, "- %s: %s\n", t.label("offer"), t.text("btn_offer_"+t.st.Offer))
	}
	t.say("data", "data", strings.TrimRight(b.String(), "\n"))
	t.reask()
}

// label gives the short names used in the /gegevens list; they are plain
// words rather than sentences, so they live here with the list's layout.
func (t *turn) label(k string) string {
	nl := map[string]string{"privacy_keep": "Antwoorden bewaren", "privacy_research": "Onderzoek", "source": "Via", "offer": "Gekozen hulp"}
	en := map[string]string{"privacy_keep": "Keep answers", "privacy_research": "Research", "source": "Via", "offer": "Chosen help"}
	if t.st.Lang == "en" {
		return en[k]
	}
	return nl[k]
}

func (t *turn) askErase() {
	if t.st.Phase != PhaseConfirmErase {
		t.st.Prev = t.st.Phase
		t.fire("ask_erase")
	}
	t.askEraseQuestion()
}

func (t *turn) askEraseQuestion() {
	t.ask(t.text("erase_q"), promptErase, t.choice("yes", "btn_erase_yes"), t.choice("no", "btn_erase_no"))
}

func (t *turn) confirmErase(text string) {
	yes := t.in.Choice == "yes"
	no := t.in.Choice == "no"
	if t.in.Choice == "" {
		switch parseYesNo(text) {
		case answerYes:
			yes = true
		case answerNo:
			no = true
		}
	}
	switch {
	case yes:
		lang, channel, test := t.st.Lang, t.st.Channel, t.st.Test
		t.out.Erase = true
		t.fire("erased")
		t.st = State{Phase: t.st.Phase, Lang: lang, Channel: channel, Test: test, Started: t.in.Time, Updated: t.in.Time}
		t.say("erased")
	case no:
		prev := t.st.Prev
		if !KnownPhase(prev) || prev == PhaseConfirmErase {
			prev = PhaseWelcome
		}
		t.st.Phase, t.st.Prev = prev, ""
		t.say("erase_cancelled")
		t.reask()
	default:
		t.askEraseQuestion()
	}
}
