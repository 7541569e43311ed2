package bolt_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
	"github.com/proactief/proactief/segment"
	"github.com/proactief/proactief/store/bolt"
)

// fullSession sets every stored field, with the edge cases the codec keeps
// apart: nil and empty slices, a time in another zone, the zero time.
func fullSession() *bot.Session {
	at := time.Date(2026, 11, 2, 9, 30, 15, 123456789, time.UTC)
	amsterdam := time.FixedZone("", 3600)
	return &bot.Session{
		Key: "s-1", Version: 7, Research: "r-1",
		Signals:  []string{"urgent"},
		Handover: &bot.Handover{Number: "H-7K3QD", Status: bot.HandoverTalking, Asked: at, Thread: "t1", Posts: []string{"p1", "p2"}, Worker: "Anna", Taken: at, Address: "sealed", Events: []string{"e1"}},
		Conv: dialogue.State{
			Phase: dialogue.PhaseConfirmErase, Prev: dialogue.PhaseProfiling, Lang: "en", Channel: bot.Telegram,
			Source: "campagne", Test: true,
			Consent: dialogue.Consent{
				Keep:     &dialogue.Decision{Given: true, Version: dialogue.ConsentVersion, At: at, Channel: bot.Telegram},
				Research: &dialogue.Decision{Given: false, Version: "v0", At: at.In(amsterdam), Channel: bot.Mattermost},
				Share:    &dialogue.Decision{Given: true, Version: dialogue.ShareVersion, At: at, Channel: bot.Telegram},
				Followup: &dialogue.Decision{Given: true, Version: dialogue.ConsentVersion, At: at, Channel: bot.Mattermost},
			},
			Steps: []dialogue.Step{
				{Statement: "a", Value: 3, Posterior: [3]float64{0.1, 0.2, 0.7}, Tone: dialogue.Slow, At: at},
				{Statement: "b", Value: 0, Posterior: [3]float64{1.0 / 3, 1e-300, -0.0}, Tone: dialogue.Neutral},
			},
			Pending: "c", Prompt: "q:c", Retries: -2, Style: dialogue.Brief, Forced: dialogue.Autonomy,
			Trace: true, Shown: 5, Offer: "person", Stopped: true, Done: true, Turns: 1 << 40,
			Started: at.Add(-time.Hour), Updated: time.Time{}, Handover: dialogue.HandoverOpen,
			Followup: &dialogue.Followup{About: dialogue.AboutOffer, Due: at.Add(time.Hour), Count: 2, Pending: true, Result: dialogue.ResultNogNiet},
			Promise:  segment.Bounds{Lo: 7, Hi: 19},
		},
		Seen: []bot.Seen{
			{ID: "1"},
			{ID: "2", Replies: []dialogue.Reply{}},
			{ID: "3", Replies: []dialogue.Reply{
				{Text: "Klopt dat?", Choices: []dialogue.Choice{{ID: "yes", Label: "Ja"}, {ID: "no", Label: "Nee"}}, Prompt: "q"},
				{Text: "", Choices: []dialogue.Choice{}},
				{Text: "data", Document: &dialogue.Document{Name: "mijn-gegevens.json", Data: []byte("{}\x00\xff")}},
				{Document: &dialogue.Document{}},
				{Document: &dialogue.Document{Data: []byte{}}},
			}},
		},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for name, s := range map[string]*bot.Session{
		"full":    fullSession(),
		"typical": typicalSession(t),
		"empty":   {},
	} {
		t.Run(name, func(t *testing.T) {
			v := bolt.EncodeSession(s)
			got, err := bolt.DecodeSession(v)
			if err != nil {
				t.Fatalf("DecodeSession: %v", err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Fatalf("round trip changed the session:\n got %+v\nwant %+v", got, s)
			}
			if again := bolt.EncodeSession(got); string(again) != string(v) {
				t.Fatalf("encoding not stable")
			}
			if name == "full" {
				return // JSON drops empty slices (omitempty)
			}
			// The same session as schema 1 stored it decodes the same.
			js, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := bolt.DecodeSession(js)
			if err != nil {
				t.Fatalf("DecodeSession(JSON): %v", err)
			}
			if a, b := bolt.EncodeSession(fromJSON), v; string(a) != string(b) {
				t.Fatalf("JSON and binary forms differ:\n%+v\n%+v", fromJSON, got)
			}
		})
	}
}

func TestCodecIsSmaller(t *testing.T) {
	s := typicalSession(t)
	js, _ := json.Marshal(s)
	bin := bolt.EncodeSession(s)
	t.Logf("typical session: JSON %d bytes, binary %d bytes", len(js), len(bin))
	if len(bin)*2 > len(js) {
		t.Fatalf("binary %d bytes, JSON %d: want less than half", len(bin), len(js))
	}
}

// TestCodecKnowsEveryField fails when a stored type gains, loses or
// changes a field: codec.go must then encode it (new fields at the end of
// their block) and this list must be updated.
func TestCodecKnowsEveryField(t *testing.T) {
	want := map[reflect.Type]string{
		reflect.TypeFor[bot.Session]():       "Key string, Version uint64, Conv dialogue.State, Seen []bot.Seen, Research string, Handover *bot.Handover, Signals []string, ResearchOut []bot.ResearchTurn, EraseResearch string, Outbox []bot.Envelope, Cancel bot.Cancel",
		reflect.TypeFor[bot.Seen]():          "ID string, Replies []dialogue.Reply",
		reflect.TypeFor[dialogue.State]():    "Phase string, Prev string, Lang string, Channel string, Source string, Test bool, Consent dialogue.Consent, Steps []dialogue.Step, Pending string, Prompt string, Retries int, Style dialogue.Tone, Forced dialogue.Tone, Trace bool, Shown int, Offer string, Stopped bool, Done bool, Turns int, Started time.Time, Updated time.Time, Handover string, Followup *dialogue.Followup, Promise segment.Bounds",
		reflect.TypeFor[dialogue.Consent]():  "Keep *dialogue.Decision, Research *dialogue.Decision, Share *dialogue.Decision, Callback *dialogue.Decision, Followup *dialogue.Decision",
		reflect.TypeFor[dialogue.Decision](): "Given bool, Version string, At time.Time, Channel string",
		reflect.TypeFor[dialogue.Step]():     "Statement string, Value int, Posterior segment.Posterior, Tone dialogue.Tone, At time.Time",
		reflect.TypeFor[dialogue.Reply]():    "Text string, Choices []dialogue.Choice, Prompt string, Document *dialogue.Document",
		reflect.TypeFor[dialogue.Choice]():   "ID string, Label string",
		reflect.TypeFor[dialogue.Document](): "Name string, Data []uint8",
		reflect.TypeFor[segment.Bounds]():    "Lo int, Hi int",
	}
	for typ, fields := range want {
		var got []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			got = append(got, f.Name+" "+f.Type.String())
		}
		if g := strings.Join(got, ", "); g != fields {
			t.Errorf("%v has fields\n  %s\nthe codec knows\n  %s\nUpdate store/bolt/codec.go and this list.", typ, g, fields)
		}
	}
}

// TestSchema1File opens a file written before the binary form: its JSON
// sessions still read, and a change stores them in the binary form.
func TestSchema1File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	old := fullSession()
	old.Conv.Consent.Keep.Given = true
	js, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("1")); err != nil {
			return err
		}
		return tx.Bucket([]byte("sessions")).Put([]byte(old.Key), js)
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}

	db, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("Open schema 1: %v", err)
	}
	ctx := context.Background()
	got, err := db.Get(ctx, old.Key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Version != old.Version || got.Conv.Turns != old.Conv.Turns || len(got.Seen) != len(old.Seen) {
		t.Fatalf("session=%+v, want %+v", got, old)
	}
	if err := db.Update(ctx, old.Key, func(s *bot.Session) error { s.Conv.Turns++; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	db.Close()

	raw, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.View(func(tx *bbolt.Tx) error {
		if v := string(tx.Bucket([]byte("meta")).Get([]byte("schema"))); v != strconv.Itoa(bolt.SchemaVersion) {
			t.Errorf("schema=%s, want %d", v, bolt.SchemaVersion)
		}
		if v := tx.Bucket([]byte("sessions")).Get([]byte(old.Key)); len(v) == 0 || v[0] == '{' {
			t.Errorf("session still stored as JSON after a change")
		}
		return nil
	})
}
