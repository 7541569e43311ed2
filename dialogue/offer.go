package dialogue

import (
	"sort"
	"strconv"
	"strings"
)

// The routes an offer can show. Their ids are stored (State.Offer) and
// come back as button ids ("offer_" + id), so they never change.
const (
	routePerson    = "person"    // talk to someone at the municipality
	routeSignpost  = "signpost"  // where to go for which problem
	routeAnonymous = "anonymous" // advice without giving a name
	routeLink      = "link"      // schemes to check online
	routeSelf      = "self"      // tips to do it oneself
	routeIntake    = "intake"    // what to bring to a first conversation
	routeLater     = "later"     // nothing now
)

// offerRoutes lists every route; a button for any of them is understood
// even when the current offer did not show it.
var offerRoutes = []string{routePerson, routeSignpost, routeAnonymous, routeLink, routeSelf, routeIntake, routeLater}

// maxOfferRoutes is how many routes an offer shows before "later".
const maxOfferRoutes = 4

// toneRoutes is the order of routes that fits each tone before the
// person's own answers are taken into account: short and online first for
// brief, own choice and control for autonomy, a person and small steps for
// slow.
var toneRoutes = map[Tone][]string{
	Neutral:  {routePerson, routeLink, routeSignpost, routeSelf, routeAnonymous, routeIntake},
	Brief:    {routeLink, routeSelf, routePerson, routeSignpost, routeAnonymous, routeIntake},
	Autonomy: {routeSelf, routeAnonymous, routeLink, routePerson, routeSignpost, routeIntake},
	Slow:     {routePerson, routeSignpost, routeIntake, routeLink, routeAnonymous, routeSelf},
}

// needs are what the person's own answers say about the help that fits.
type needs struct {
	lowDigital bool // cannot easily find things online or use a device
	privacy    bool // wants to share as little as possible
	noWhere    bool // does not know where to get help
	person     bool // wants to talk to a person
}

// answerNeeds reads the needs from the answered statements. An agreement
// of 4 or 5 ("eens") or a 1 or 2 ("oneens") counts; a skipped or neutral
// answer says nothing.
func answerNeeds(st *State) needs {
	v := map[string]int{}
	for _, s := range st.Steps {
		if s.Value != 0 {
			v[s.Statement] = s.Value
		}
	}
	high := func(id string) bool { return v[id] >= 4 }
	low := func(id string) bool { return v[id] != 0 && v[id] <= 2 }
	return needs{
		lowDigital: low("digi_online") || low("digi_apparaat"),
		privacy:    v["privacy_nodig"] == 5 || v["kiezen_delen_ik"] == 5 || low("delen_makkelijker") || low("delen_betere_hulp"),
		noWhere:    high("doen_weet_niet_waar") || low("doen_hulp_krijgen"),
		person:     high("slow_persoon") || high("slow_rustig") || high("slow_contact"),
	}
}

// offered is one route in an offer with the message that says why it fits.
type offered struct {
	id, why string
}

// chooseRoutes picks the routes for this person: the tone's order, then
// their own answers move routes forward (a person or phone first for low
// digital skills or a wish for a person, anonymous routes first for
// privacy, signposting first for not knowing where to go) and online routes
// back for low digital skills. "later" always comes last.
func (t *turn) chooseRoutes() []offered {
	n := answerNeeds(&t.st)
	base := toneRoutes[t.tone()]
	score := map[string]int{}
	why := map[string]string{}
	for i, id := range base {
		score[id] = 100 - i
		why[id] = "offer_why_" + id
	}
	boost := func(id string, by int, whyKey string) {
		score[id] += by
		if whyKey != "" {
			why[id] = whyKey
		}
	}
	if n.privacy {
		boost(routeAnonymous, 50, "offer_why_anonymous_privacy")
	}
	if n.noWhere {
		boost(routeSignpost, 60, "offer_why_signpost_where")
	}
	if n.lowDigital {
		boost(routePerson, 70, "offer_why_person_digital")
		boost(routeLink, -60, "")
		boost(routeSelf, -60, "")
	}
	if n.person {
		boost(routePerson, 80, "offer_why_person_wanted")
	}
	ids := append([]string(nil), base...)
	sort.SliceStable(ids, func(i, j int) bool { return score[ids[i]] > score[ids[j]] })
	if len(ids) > maxOfferRoutes {
		ids = ids[:maxOfferRoutes]
	}
	out := make([]offered, 0, len(ids)+1)
	for _, id := range ids {
		out = append(out, offered{id: id, why: why[id]})
	}
	return append(out, offered{id: routeLater, why: "offer_why_later"})
}

// askOffer shows the routes that fit, each as a numbered line with why it
// fits and a button with the same label, in the same order.
func (t *turn) askOffer(fresh bool) {
	routes := t.chooseRoutes()
	cs := make([]Choice, len(routes))
	lines := make([]string, len(routes))
	for i, r := range routes {
		cs[i] = t.choice("offer_"+r.id, "btn_offer_"+r.id)
		lines[i] = t.text("offer_line", "n", strconv.Itoa(i+1), "label", cs[i].Label, "why", t.text(r.why))
	}
	head := t.text("offer")
	if !fresh {
		head = t.text("offer_unclear")
	}
	text := strings.TrimSpace(head + "\n" + strings.Join(lines, "\n") + "\n" + t.text("offer_ask"))
	t.ask(text, promptOffer, cs...)
}

func (t *turn) offer(text string) {
	id := strings.TrimPrefix(t.in.Choice, "offer_")
	if t.in.Choice == "" {
		id = t.parseOffer(text)
	}
	valid := false
	for _, o := range offerRoutes {
		valid = valid || id == o
	}
	if !valid {
		t.unclear = text != ""
		t.askOffer(false)
		return
	}
	t.takeOffer(id)
}

// takeOffer records the chosen offer and closes the conversation.
func (t *turn) takeOffer(id string) {
	t.st.Offer = id
	if id == routePerson && t.e.opts.Handover {
		t.fire("offer_answered")
		t.st.Prompt = ""
		t.wantHandover()
		return
	}
	t.fire("offer_answered")
	t.st.Prompt = ""
	t.showRoute(id)
	if t.askFollowupAfterOffer() {
		return
	}
	t.say("closing")
}

// parseOffer maps typed text to a route: the number of a line in the offer
// as shown, or a keyword.
func (t *turn) parseOffer(text string) string {
	low := strings.ToLower(strings.Trim(text, " .!"))
	routes := t.chooseRoutes()
	if n, err := strconv.Atoi(low); err == nil {
		if n >= 1 && n <= len(routes) {
			return routes[n-1].id
		}
		return ""
	}
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(low, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("praat", "persoon", "mens", "bel", "talk", "person", "call"):
		return routePerson
	case has("anoniem", "anonymous", "zonder naam", "without my name"):
		return routeAnonymous
	case has("waar", "where", "wegwijs", "terecht"):
		return routeSignpost
	case has("meenemen", "meebrengen", "bring", "intake"):
		return routeIntake
	case has("zelf", "tips", "myself"):
		return routeSelf
	case has("later", "niet nu", "nee", "not now"):
		return routeLater
	case has("online", "link", "website", "kijk", "regeling", "toeslag", "scheme"):
		return routeLink
	}
	return ""
}

// showRoute gives the details of one route, with the municipality's own
// contact details and partners where they fit.
func (t *turn) showRoute(id string) {
	switch id {
	case routePerson:
		// The same way to a person as asking for one at any moment
		// (person.go), with the contact details, then what the law
		// promises about waiting times.
		t.wantPerson()
		t.say("wgs_times")
		if answerNeeds(&t.st).lowDigital {
			t.sayPartners(func(p Partner) bool { return p.Reachable(WayPhone) || p.Reachable(WayInPerson) })
		}
	case routeSignpost:
		t.say(t.contactKey("offer_signpost"), t.contactArgs()...)
		t.say("wgs_times")
		t.sayPartners(func(Partner) bool { return true })
	case routeAnonymous:
		t.say("offer_anonymous")
		t.sayPartners(func(p Partner) bool { return p.Anonymous })
	case routeIntake:
		t.say("offer_intake")
		t.say(t.contactKey("offer_intake_call"), t.contactArgs()...)
	default:
		t.say("offer_" + id)
	}
}

// contactKey returns key with "_local" when a municipality is configured.
func (t *turn) contactKey(key string) string {
	if t.e.opts.Municipality.configured() {
		return key + "_local"
	}
	return key
}

// contactArgs are the placeholders of the *_local messages.
func (t *turn) contactArgs() []string {
	m := t.e.opts.Municipality
	return []string{"name", m.Name, "phone", m.Phone}
}

// sayContactDetails adds the municipality's opening hours, walk-in times,
// address, e-mail and web form, as far as they are configured, in one
// message.
func (t *turn) sayContactDetails() {
	m := t.e.opts.Municipality
	var lines []string
	add := func(key string, args ...string) {
		if s := t.text(key, args...); s != "" {
			lines = append(lines, s)
		}
	}
	if m.Hours != "" {
		add("contact_hours", "hours", m.Hours)
	}
	switch {
	case m.WalkIn != "" && m.Address != "":
		add("contact_walkin", "walk_in", m.WalkIn, "address", m.Address)
	case m.Address != "":
		add("contact_address", "address", m.Address)
	}
	if m.Email != "" {
		add("contact_email", "email", m.Email)
	}
	if m.WebForm != "" {
		add("contact_webform", "url", m.WebForm)
	}
	if len(lines) > 0 {
		t.out.Replies = append(t.out.Replies, Reply{Text: strings.Join(lines, "\n")})
	}
}

// sayPartners lists the configured partners that keep, in one message.
func (t *turn) sayPartners(keep func(Partner) bool) {
	var lines []string
	for _, p := range t.e.opts.Municipality.Partners {
		if !keep(p) {
			continue
		}
		offers := p.Offers
		if t.st.Lang == "en" && p.OffersEN != "" {
			offers = p.OffersEN
		}
		line := t.text("partner_line", "name", p.Name, "offers", offers, "reach", p.Reach)
		if p.Anonymous {
			line += " " + t.text("partner_anonymous")
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		t.out.Replies = append(t.out.Replies, Reply{Text: t.text("partners_intro") + "\n" + strings.Join(lines, "\n")})
	}
}
