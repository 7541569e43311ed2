package dialogue

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
}

// urgentPhone returns the number for an urgent money emergency, or "" when
// none is configured.
func (m Municipality) urgentPhone() string {
	if m.UrgentPhone != "" {
		return m.UrgentPhone
	}
	return m.Phone
}
