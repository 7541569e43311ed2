package dialogue

import "strings"

// Municipality is the deployment's own organisation: who the bot speaks
// for and where a person is sent. cmd reads it from the deployment file;
// the zero value means no municipality is configured, and the engine then
// gives the national, generic routes its content files describe.
type Municipality struct {
	// Name is the municipality as in "gemeente Utrecht": "Utrecht".
	Name string
	// Phone is the general number for money worries, e.g. "14 030".
	Phone string
	// UrgentPhone is the same-day number for an eviction, a cut-off or no
	// money for food; "" means Phone.
	UrgentPhone string

	// Hours says when Phone is answered, as a person reads it:
	// "maandag tot en met vrijdag van 9.00 tot 17.00 uur". Optional.
	Hours string
	// Address is the visiting address: "Stadhuisplein 1, Zuidhaven". Optional.
	Address string
	// WalkIn says when a person can come to Address without an
	// appointment: "dinsdag en donderdag van 9.00 tot 12.00 uur". Optional.
	WalkIn string
	// Email is the address for money worries. Optional.
	Email string
	// WebForm is the URL of the intake or contact form. Optional.
	WebForm string
	// Controller is who is responsible for the data (AVG art. 4(7)), as a
	// person reads it; "" means "gemeente Name".
	Controller string
	// PrivacyURL is the municipality's privacy statement. Optional.
	PrivacyURL string
	// Formal makes every Dutch text address the person with "u" instead of
	// "je".
	Formal bool
	// Partners are local organisations the bot may point to, in the order
	// the municipality prefers them.
	Partners []Partner
}

// Way is one way to reach a partner organisation.
type Way string

// The ways a partner can be reached.
const (
	WayOnline   Way = "online"
	WayPhone    Way = "phone"
	WayInPerson Way = "in_person"
	WayLetter   Way = "letter"
)

// Ways lists every Way, in the order a deployment file documents them.
var Ways = []Way{WayOnline, WayPhone, WayInPerson, WayLetter}

// Valid reports whether w is one of [Ways].
func (w Way) Valid() bool {
	for _, v := range Ways {
		if w == v {
			return true
		}
	}
	return false
}

// Partner is a local organisation that helps with money worries:
// SchuldHulpMaatje, Humanitas, the Voedselbank, the social team.
type Partner struct {
	// Name as a person knows it: "SchuldHulpMaatje Zuidhaven".
	Name string
	// Offers is one Dutch sentence on what it offers.
	Offers string
	// OffersEN is the same in English; "" means Offers.
	OffersEN string
	// Reach is how to reach it: a phone number, a site, an address.
	Reach string
	// Ways are the ways it can be reached.
	Ways []Way
	// Anonymous reports whether a person can get help there without
	// giving their name.
	Anonymous bool
}

// Reachable reports whether p can be reached in way w.
func (p Partner) Reachable(w Way) bool {
	for _, v := range p.Ways {
		if v == w {
			return true
		}
	}
	return false
}

// Campaign is a reason the municipality contacted a person, named by the
// deep-link parameter that brings them to the bot (t.me/bot?start=NAME).
// The engine shows Text before it asks for consent, so that the person
// knows why they hear from the municipality.
type Campaign struct {
	// Name is the deep-link parameter: letters, digits, - and _, at most
	// 64, fewer than 6 digits (see [ValidCampaignName]).
	Name string
	// Text says in Dutch why the person hears from the municipality.
	Text string
	// TextEN is the same in English; "" means Text.
	TextEN string
}

// ValidCampaignName reports whether name can be a deep-link parameter that
// the engine keeps as a campaign (the same rule /start applies).
func ValidCampaignName(name string) bool {
	return name != "" && sourceParam(name) == strings.ToLower(name)
}

// configured reports whether a municipality is set.
func (m Municipality) configured() bool { return m.Name != "" }

// urgentPhone returns the number for an urgent money emergency, or "" when
// none is configured.
func (m Municipality) urgentPhone() string {
	if m.UrgentPhone != "" {
		return m.UrgentPhone
	}
	return m.Phone
}
