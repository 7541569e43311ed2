package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/redact"
	"github.com/proactief/proactief/research"
)

// The second line of defence: words of a transcript that still look like
// a name are marked, and a researcher can redact a missed piece in place
// (research.RedactTurn): the original is not kept, the action is audited,
// and every later export holds the corrected text.

func init() {
	funcs["marked"] = markSuspects
	funcs["suspects"] = suspectWords
	funcs["redacttags"] = redact.Tags
	funcs["redactform"] = func(c *research.Conversation, t research.Turn, csrf string) redactForm {
		return redactForm{C: c, Turn: t, CSRF: csrf}
	}
	actionNames["redact"] = "stuk tekst weggehaald"
	actionNames["redact-failed"] = "weghalen mislukt"
}

// redactForm is what the "redactform" template of a transcript turn reads.
type redactForm struct {
	C    *research.Conversation
	Turn research.Turn
	CSRF string
}

// markSuspects returns text as HTML, escaped, with every word that still
// looks like a name (redact.Suspects) in a <mark>.
func markSuspects(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, sp := range redact.Suspects(text) {
		b.WriteString(template.HTMLEscapeString(text[last:sp.Start]))
		b.WriteString(`<mark class="suspect" title="Lijkt op een naam">`)
		b.WriteString(template.HTMLEscapeString(text[sp.Start:sp.End]))
		b.WriteString(`</mark>`)
		last = sp.End
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

// suspectWords returns the distinct words of text that still look like a
// name, in order.
func suspectWords(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, sp := range redact.Suspects(text) {
		w := text[sp.Start:sp.End]
		if k := strings.ToLower(w); !seen[k] {
			seen[k] = true
			out = append(out, w)
		}
	}
	return out
}

// redactTurn handles POST /gesprekken/{id}/redigeer: fields beurt (the
// turn's seq), tekst (the piece to remove) and soort (the tag, NAAM by
// default).
func (s *Server) redactTurn(w http.ResponseWriter, r *http.Request, ses session) {
	id := r.PathValue("id")
	test := r.URL.Query().Get("test") == "1"
	c, err := s.find(r, id, test)
	if err != nil {
		s.internal(w, r, ses, "redact", err)
		return
	}
	if c == nil {
		s.fail(w, r, http.StatusNotFound, "Dit gesprek bestaat niet (meer).")
		return
	}
	seq, err := strconv.Atoi(r.PostForm.Get("beurt"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "Kies het bericht waaruit u iets wilt weghalen.")
		return
	}
	tag := r.PostForm.Get("soort")
	if tag == "" {
		tag = redact.TagNaam
	}
	err = research.RedactTurn(r.Context(), s.store, s.audit, ses.name, c.Pseudonym, seq, r.PostForm.Get("tekst"), tag)
	switch {
	case err == nil:
	case errors.Is(err, research.ErrCannotCorrect):
		s.fail(w, r, http.StatusConflict, "Deze opslag kan berichten niet aanpassen. Er is niets gewijzigd.")
		return
	case errors.Is(err, bot.ErrReadOnly):
		s.fail(w, r, http.StatusConflict, "Deze pagina leest een kopie van de gegevens en kan niets wijzigen. "+
			"Haal het stuk tekst weg op de onderzoekspagina van de draaiende chatbot (proactief serve).")
		return
	case errors.Is(err, research.ErrPieceNotFound):
		s.fail(w, r, http.StatusBadRequest, "Die tekst staat niet (meer) in dit bericht. Er is niets gewijzigd.")
		return
	case errors.Is(err, research.ErrBadPiece):
		s.fail(w, r, http.StatusBadRequest, "Vul de tekst in die weg moet, hoogstens 200 tekens. Er is niets gewijzigd.")
		return
	case errors.Is(err, research.ErrBadTag):
		s.fail(w, r, http.StatusBadRequest, "Kies wat voor gegeven het is. Er is niets gewijzigd.")
		return
	case errors.Is(err, bot.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "Dit bericht bestaat niet (meer). Er is niets gewijzigd.")
		return
	default:
		s.internal(w, r, ses, "redact", err)
		return
	}
	target := "/gesprekken/" + c.Pseudonym + "?geredigeerd=1"
	if test {
		target += "&test=1"
	}
	http.Redirect(w, r, target+"#beurt-"+strconv.Itoa(seq), http.StatusSeeOther)
}
