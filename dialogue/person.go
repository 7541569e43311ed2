package dialogue

// wantPerson answers a person who asks for a person: the way to one.
// For now that is the contact route (the municipality's number when the
// deployment has one, else the generic 14 + area code); the questions pause
// and the person can go on with them.
func (t *turn) wantPerson() {
	if t.wantHandover() { // a desk is configured: a worker, with consent (handover.go)
		return
	}
	t.contactRoute()
}

// contactRoute gives the way to a person without a handover.
func (t *turn) contactRoute() {
	if phone := t.e.opts.Municipality.Phone; phone != "" {
		t.say("person_route_phone", "phone", phone, "name", t.e.opts.Municipality.Name)
	} else {
		t.say("person_route")
	}
	t.sayContactDetails()
	t.pause(false)
}
