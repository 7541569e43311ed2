package dialogue

// wantPerson answers a person who asks for a person: the way to one.
// For now that is the contact route (the municipality's number when the
// deployment has one, else the generic 14 + area code); the questions pause
// and the person can go on with them.
func (t *turn) wantPerson() {
	if phone := t.e.opts.Municipality.Phone; phone != "" {
		t.say("person_route_phone", "phone", phone, "name", t.e.opts.Municipality.Name)
	} else {
		t.say("person_route")
	}
	t.sayContactDetails()
	t.pause(false)
}
