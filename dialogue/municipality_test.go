package dialogue

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var zuidhaven = Municipality{Name: "Zuidhaven", Phone: "14 0999", UrgentPhone: "0999 112233"}

func engineWith(t *testing.T, opts Options) *Engine {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func startWith(t *testing.T, opts Options, lang string, first string) *talk {
	k := &talk{t: t, e: engineWith(t, opts), now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	k.now = k.now.Add(time.Minute)
	k.out = k.e.Step(k.st, Input{Time: k.now, Text: first, Channel: "test", Lang: lang})
	k.st = k.out.State
	return k
}

// profiles are answer sets that each call for a different kind of help.
var profiles = map[string][]Step{
	"none":       nil,
	"lowDigital": {{Statement: "digi_online", Value: 1}, {Statement: "digi_apparaat", Value: 2}},
	"privacy":    {{Statement: "privacy_nodig", Value: 5}, {Statement: "delen_makkelijker", Value: 1}},
	"noWhere":    {{Statement: "doen_weet_niet_waar", Value: 5}},
	"person":     {{Statement: "slow_persoon", Value: 5}, {Statement: "slow_rustig", Value: 4}},
	"all": {{Statement: "digi_online", Value: 1}, {Statement: "privacy_nodig", Value: 5},
		{Statement: "doen_weet_niet_waar", Value: 5}, {Statement: "slow_persoon", Value: 5}},
}

var numberedLine = regexp.MustCompile(`(?m)^\s*(\d+)[.)] (.*)$`)

// offerFor stops the questions of a conversation with the given answers and
// tone, and returns the offer.
func offerFor(t *testing.T, e *Engine, lang string, tone Tone, steps []Step) (State, Reply) {
	t.Helper()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := &Decision{Given: false, Version: ConsentVersion, At: now, Channel: "test"}
	st := State{Phase: PhaseProfiling, Lang: lang, Channel: "test", Style: tone, Steps: append([]Step(nil), steps...),
		Consent: Consent{Keep: d, Research: d}, Started: now, Updated: now}
	out := e.Step(st, Input{Time: now.Add(time.Minute), Text: "/stop", Channel: "test"})
	if out.State.Phase != PhaseOffer {
		t.Fatalf("state=%v, want offer", out.State.Phase)
	}
	for _, r := range out.Replies {
		if r.Prompt == promptOffer {
			return out.State, r
		}
	}
	t.Fatalf("no offer in %+v", out.Replies)
	return State{}, Reply{}
}

// checkNumbered checks that the numbered lines of text are the buttons, in
// order, one for one.
func checkNumbered(t *testing.T, where string, r Reply) {
	t.Helper()
	lines := numberedLine.FindAllStringSubmatch(r.Text, -1)
	if len(lines) != len(r.Choices) {
		t.Fatalf("%s: %d numbered lines for %d buttons:\n%s", where, len(lines), len(r.Choices), r.Text)
	}
	for i, l := range lines {
		if l[1] != strconv.Itoa(i+1) {
			t.Errorf("%s: line %d is numbered %s", where, i+1, l[1])
		}
		if !strings.HasPrefix(l[2], r.Choices[i].Label) {
			t.Errorf("%s: line %d %q does not name button %q", where, i+1, l[2], r.Choices[i].Label)
		}
		if rest := strings.TrimSpace(strings.TrimPrefix(l[2], r.Choices[i].Label)); len(rest) < 10 {
			t.Errorf("%s: line %d %q says nothing about why it fits", where, i+1, l[2])
		}
	}
}

// TestOfferNumbersMatchButtons: in every tone, language and form of
// address, for every kind of answers, each numbered option in the offer
// is the button at that place, and typing its number chooses it.
func TestOfferNumbersMatchButtons(t *testing.T) {
	for _, formal := range []bool{false, true} {
		m := zuidhaven
		m.Formal = formal
		e := engineWith(t, Options{Municipality: m})
		for _, lang := range Languages {
			for _, tone := range Tones {
				for name, steps := range profiles {
					where := lang + "/" + string(tone) + "/" + name + "/formal=" + strconv.FormatBool(formal)
					st, r := offerFor(t, e, lang, tone, steps)
					checkNumbered(t, where, r)
					if got := r.Choices[len(r.Choices)-1].ID; got != "offer_later" {
						t.Errorf("%s: last button %q, want offer_later", where, got)
					}
					for n, c := range r.Choices {
						out := e.Step(st, Input{Time: st.Updated.Add(time.Minute), Text: strconv.Itoa(n + 1), Channel: "test"})
						if want := strings.TrimPrefix(c.ID, "offer_"); out.State.Offer != want {
							t.Errorf("%s: typing %d chose %q, want %q", where, n+1, out.State.Offer, want)
						}
					}
					// An unclear answer shows the same options again.
					again := e.Step(st, Input{Time: st.Updated.Add(time.Minute), Text: "hmm", Channel: "test"})
					if len(again.Replies) != 1 {
						t.Fatalf("%s: unclear answer gave %d replies", where, len(again.Replies))
					}
					checkNumbered(t, where+"/again", again.Replies[0])
				}
			}
		}
	}
}

func TestOfferFollowsAnswers(t *testing.T) {
	e := engineWith(t, Options{Municipality: zuidhaven})
	first := func(tone Tone, profile string) Choice {
		_, r := offerFor(t, e, "nl", tone, profiles[profile])
		return r.Choices[0]
	}
	for _, tone := range Tones {
		if c := first(tone, "lowDigital"); c.ID != "offer_person" {
			t.Errorf("%s, low digital skills: first offer %q, want a person", tone, c.ID)
		}
		if c := first(tone, "person"); c.ID != "offer_person" {
			t.Errorf("%s, wants a person: first offer %q, want a person", tone, c.ID)
		}
		if c := first(tone, "noWhere"); c.ID != "offer_signpost" {
			t.Errorf("%s, does not know where to go: first offer %q, want signposting", tone, c.ID)
		}
		if c := first(tone, "privacy"); c.ID != "offer_anonymous" {
			t.Errorf("%s, wants privacy: first offer %q, want anonymous routes", tone, c.ID)
		}
		_, r := offerFor(t, e, "nl", tone, profiles["lowDigital"])
		for i, c := range r.Choices {
			if (c.ID == "offer_link" || c.ID == "offer_self") && i < 2 {
				t.Errorf("%s, low digital skills: online route %q at place %d", tone, c.ID, i+1)
			}
		}
		if !strings.Contains(r.Text, "online zoeken niet makkelijk") {
			t.Errorf("%s: the why-line does not refer to the answer: %q", tone, r.Text)
		}
	}
	// Without answers the tone decides: short and online first for brief,
	// a person first for slow.
	if c := first(Brief, "none"); c.ID != "offer_link" {
		t.Errorf("brief: first offer %q, want online", c.ID)
	}
	if c := first(Slow, "none"); c.ID != "offer_person" {
		t.Errorf("slow: first offer %q, want a person", c.ID)
	}
}

func TestSpeaksForMunicipality(t *testing.T) {
	m := zuidhaven
	m.Hours = "maandag tot en met vrijdag van 9.00 tot 17.00 uur"
	m.Address = "Stadhuisplein 1"
	m.WalkIn = "dinsdag van 9.00 tot 12.00 uur"
	m.Email = "geld@zuidhaven.example"
	m.WebForm = "https://zuidhaven.example/geld"
	m.PrivacyURL = "https://zuidhaven.example/privacy"
	m.Partners = []Partner{
		{Name: "SchuldHulpMaatje", Offers: "Een maatje helpt.", Reach: "Bel 0999 1234.", Ways: []Way{WayPhone, WayInPerson}},
		{Name: "Anoniem Loket", Offers: "Advies zonder naam.", Reach: "anoniem.example", Ways: []Way{WayOnline}, Anonymous: true},
	}
	for _, lang := range Languages {
		for _, tone := range Tones {
			word := map[Tone]string{Neutral: "/stijl auto", Brief: "korter", Autonomy: "/keuzes", Slow: "meer uitleg"}[tone]
			k := startWith(t, Options{Municipality: m}, lang, word)
			text := allText(k.out)
			name := map[string]string{"nl": "de chatbot van gemeente Zuidhaven", "en": "the chatbot of the municipality of Zuidhaven"}[lang]
			resp := map[string]string{"nl": "Gemeente Zuidhaven is verantwoordelijk voor je gegevens.", "en": "The municipality of Zuidhaven is responsible for your data."}[lang]
			if !strings.Contains(text, name) || !strings.Contains(text, resp) {
				t.Errorf("%s/%s intro does not speak for the municipality:\n%s", lang, tone, text)
			}
			k.say("/privacy")
			if p := allText(k.out); !strings.Contains(p, "Zuidhaven") || !strings.Contains(p, m.PrivacyURL) {
				t.Errorf("%s/%s /privacy lacks the controller or statement:\n%s", lang, tone, p)
			}
			k.say("/help")
			if h := allText(k.out); !strings.Contains(h, "14 0999") {
				t.Errorf("%s/%s /help lacks the phone number:\n%s", lang, tone, h)
			}
		}
	}
	k := startWith(t, Options{Municipality: m}, "nl", "/start")
	k.choose("no")
	k.choose("no")
	k.say("/stop")
	k.choose("offer_person")
	text := allText(k.out)
	for _, want := range []string{"14 0999", m.Hours, m.WalkIn, m.Address, m.Email, m.WebForm, "4 weken", "3 werkdagen"} {
		if !strings.Contains(text, want) {
			t.Errorf("person route lacks %q:\n%s", want, text)
		}
	}
	k.say("/opnieuw")
	k.say("/stop")
	k.choose("offer_signpost")
	if s := allText(k.out); !strings.Contains(s, "SchuldHulpMaatje") || !strings.Contains(s, "Anoniem Loket") || !strings.Contains(s, "0800-8115") || !strings.Contains(s, "14 0999") {
		t.Errorf("signposting lacks partners or routes:\n%s", s)
	}
	k.say("/opnieuw")
	k.say("/stop")
	k.choose("offer_anonymous")
	if s := allText(k.out); strings.Contains(s, "SchuldHulpMaatje") || !strings.Contains(s, "Anoniem Loket") {
		t.Errorf("anonymous routes list a partner that asks a name, or miss the anonymous one:\n%s", s)
	}
}

func TestGenericRoutesWithoutMunicipality(t *testing.T) {
	k := startWith(t, Options{}, "nl", "/start")
	if text := allText(k.out); !strings.Contains(text, "proefversie") || strings.Contains(text, "gemeente {") {
		t.Errorf("intro without a municipality:\n%s", text)
	}
	k.choose("no")
	k.choose("no")
	k.say("/stop")
	k.choose("offer_person")
	if s := allText(k.out); !strings.Contains(s, "14 en dan") {
		t.Errorf("generic person route:\n%s", s)
	}
}

// TestFormalAddress runs whole conversations in the "u" form and checks
// that nothing the person reads says "je".
func TestFormalAddress(t *testing.T) {
	m := zuidhaven
	m.Formal = true
	for _, tone := range Tones {
		word := map[Tone]string{Neutral: "/start", Brief: "korter", Autonomy: "/keuzes", Slow: "meer uitleg"}[tone]
		k := startWith(t, Options{Municipality: m}, "nl", word)
		var all strings.Builder
		all.WriteString(allText(k.out))
		for _, in := range []string{"waarom", "ja", "waarom", "ja", "waarom", "3", "weet ik niet", "4", "/help", "/privacy", "/gegevens", "2", "1", "/stop", "9", "2"} {
			all.WriteString(allText(k.say(in)))
		}
		if m := informalRE.FindStringSubmatch(all.String()); m != nil {
			i := strings.Index(all.String(), m[0])
			t.Errorf("%s: the u form says %q: ...%s...", tone, m[2], all.String()[max(0, i-80):min(len(all.String()), i+40)])
		}
		if !strings.Contains(all.String(), "u") || !strings.Contains(all.String(), "Wilt u") && !strings.Contains(all.String(), "kunt u") && !strings.Contains(all.String(), "U ") {
			t.Errorf("%s: no u form seen", tone)
		}
	}
}

func TestCampaignBeforeConsent(t *testing.T) {
	c := Campaign{Name: "energie-2027", Text: "Je krijgt dit bericht omdat de gemeente hulp aanbiedt bij een hoge energierekening."}
	k := startWith(t, Options{Municipality: zuidhaven, Campaigns: []Campaign{c}}, "nl", "/start energie-2027")
	text := allText(k.out)
	ci, qi := strings.Index(text, c.Text), strings.Index(text, "Mag ik je antwoorden")
	if ci < 0 || qi < 0 || ci > qi {
		t.Fatalf("campaign text not shown before the consent question:\n%s", text)
	}
	// A campaign link opened after a bare /start (the terminal starts so)
	// still says why the municipality got in touch.
	k = startWith(t, Options{Municipality: zuidhaven, Campaigns: []Campaign{c}}, "nl", "/start")
	k.say("/start energie-2027")
	if !strings.Contains(allText(k.out), c.Text) {
		t.Errorf("campaign text not shown for a later deep link:\n%s", allText(k.out))
	}
	k = startWith(t, Options{Municipality: zuidhaven, Campaigns: []Campaign{c}}, "nl", "/start iets-anders")
	if strings.Contains(allText(k.out), c.Text) {
		t.Fatal("another campaign's text was shown")
	}
	if Informal("Wilt u bellen?") != "" || Informal("Wil je bellen?") != "je" {
		t.Error("Informal")
	}
	if ValidCampaignName("Bad Name") || ValidCampaignName("1234567") || !ValidCampaignName("energie-2027") {
		t.Error("ValidCampaignName")
	}
}

func TestResearchWhyExplainsResearch(t *testing.T) {
	for _, lang := range Languages {
		k := startWith(t, Options{}, lang, "/start")
		k.choose("yes")
		k.choose("more")
		text := allText(k.out)
		want := map[string][]string{"nl": {"365 dagen", "gepseudonimiseerd", "wat je typt"}, "en": {"365 days", "pseudonymised", "what you type"}}[lang]
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: research why lacks %q:\n%s", lang, w, text)
			}
		}
		if strings.Contains(strings.ToLower(text), "anoniem") || strings.Contains(text, "30 dagen") {
			t.Errorf("%s: research why says anonymous or shows the keep explanation:\n%s", lang, text)
		}
		k = startWith(t, Options{ResearchDays: 90}, lang, "/start")
		k.choose("no")
		k.say("waarom")
		if !strings.Contains(allText(k.out), "90") {
			t.Errorf("%s: ResearchDays not told: %s", lang, allText(k.out))
		}
	}
}

func TestContentOverride(t *testing.T) {
	files := ContentFiles()
	for _, n := range []string{"nl.txt", "en.txt", "nl-u.txt"} {
		if len(files[n]) == 0 {
			t.Fatalf("ContentFiles lacks %s", n)
		}
	}
	own := "# eigen tekst\n[contact]\nall: Bel ons gerust. We helpen je graag.\n"
	c, err := LoadContentWith(map[string][]byte{"nl.txt": []byte(own)})
	if err != nil {
		t.Fatalf("override rejected: %v", err)
	}
	e := engineWith(t, Options{Content: c})
	out := e.Step(State{}, Input{Text: "/help", Channel: "test", Lang: "nl"})
	if !strings.Contains(allText(out), "Bel ons gerust") {
		t.Errorf("override not used:\n%s", allText(out))
	}
	bad := "[contact]\nneutral: Bel ons.\n\n[no_such_key]\nall: x\n\n[intro]\nall: Hoi, zonder plaatshouders.\n"
	problems := CheckContent(map[string][]byte{"nl.txt": []byte(bad), "de.txt": []byte("x")})
	text := ""
	for _, p := range problems {
		text += p.Error() + "\n"
	}
	for _, want := range []string{"de.txt", "line 1: message \"contact\" has no \"brief\" variant", "line 4: unknown key \"no_such_key\"", "lacks placeholder {bot}"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
	if _, err := LoadContentWith(map[string][]byte{"nl-u.txt": []byte("[contact]\nall: Wil je bellen? Bel ons.\n")}); err == nil || !strings.Contains(err.Error(), `says "je"`) {
		t.Errorf("a u-form text with je was accepted: %v", err)
	}
	hard := "[ack]\nneutral: Dank.\nbrief: -\nautonomy: Dank.\nslow: Onherroepelijke administratieve verantwoordelijkheidsverdeling noodzakelijkerwijs geïmplementeerd.\n"
	if _, err := LoadContentWith(map[string][]byte{"nl.txt": []byte(hard)}); err == nil || !strings.Contains(err.Error(), "reads too hard") {
		t.Errorf("a hard slow text was accepted: %v", err)
	}
}

// TestNumberedLinesOnlyInOffers: a numbered list in a text must match the
// buttons under it, and only the offer builds such a list from its buttons;
// no other text may number options of its own.
func TestNumberedLinesOnlyInOffers(t *testing.T) {
	c, err := LoadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"nl", "en", FormalLang} {
		for _, key := range c.Keys() {
			if key == "offer_line" {
				continue
			}
			for _, tone := range Tones {
				if m := numberedLine.FindString(c.Text(lang, key, tone)); m != "" {
					t.Errorf("%s %s (%s) numbers an option without a button: %q", lang, key, tone, m)
				}
			}
		}
	}
}
