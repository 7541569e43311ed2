package codec

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/proactief/proactief/bot"
	"github.com/proactief/proactief/dialogue"
)

// Sessions are stored in a compact binary form (schema 2). Files of schema 1
// hold JSON sessions; those still decode, and are rewritten in the binary
// form the next time they change.
//
// Why: every message rewrites its session, and bbolt keeps at least four
// keys in a leaf page, so a 2.9 kB JSON session made every write rewrite a
// 12 kB leaf; decoding the JSON was also the largest CPU cost of a message.
// The binary form is less than half the size, encodes six times and
// decodes ten times faster.
//
// Layout: the tag byte, then the session as a block. A block is a uvarint
// byte length followed by the fields in the order of the struct; fields
// missing at the end of a block decode as zero, so a field can be added at
// the end of its block without a new schema (bytes left unread in a block
// are damage, so an older proactief refuses such a record rather than drop
// the field). Strings are a uvarint length plus bytes; slices (and byte
// slices) uvarint(len+1) then the elements, 0 for nil; pointers a 0/1 byte
// then the block; ints zigzag varints; floats 8 bytes little endian; times
// a byte (0 the zero time, 1 UTC, 2 another offset), then the Unix seconds
// (zigzag), the nanoseconds and, for 2, the offset in seconds.
//
// TestCodecKnowsEveryField fails when a stored type gains a field that this
// file does not encode.

// sessionTag is the first byte of a binary session; a JSON one starts with
// '{' or white space.
const sessionTag = 0xB2

var errDecode = errors.New("damaged session record")

// Encode returns the stored form of s (without ResearchOut and
// EraseResearch, which are not kept).
func Encode(s *bot.Session) []byte {
	e := &encoder{buf: make([]byte, 1, 1024)}
	e.buf[0] = sessionTag
	e.block(func() {
		e.str(s.Key)
		e.uvarint(s.Version)
		e.state(&s.Conv)
		e.count(len(s.Seen), s.Seen == nil)
		for i := range s.Seen {
			e.seen(&s.Seen[i])
		}
		e.str(s.Research)
		e.handover(s.Handover)
		e.count(len(s.Signals), s.Signals == nil)
		for _, sig := range s.Signals {
			e.str(sig)
		}
	})
	return e.buf
}

type encoder struct{ buf []byte }

// handover writes h as JSON bytes (nil: none). A handover is rare and
// short-lived; JSON lets its fields grow without a codec change.
func (e *encoder) handover(h *bot.Handover) { e.json(h, h == nil, "handover") }

// json writes v as JSON bytes, or nil bytes when isNil (v is a nil
// pointer, which json would write as "null").
func (e *encoder) json(v any, isNil bool, what string) {
	if isNil {
		e.bytes(nil)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %s: %v", what, err)) // plain data: cannot fail
	}
	e.bytes(b)
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int)        { e.buf = binary.AppendVarint(e.buf, int64(v)) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *encoder) bytes(b []byte) {
	e.count(len(b), b == nil)
	e.buf = append(e.buf, b...)
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// count writes a slice length; nil and empty differ.
func (e *encoder) count(n int, isNil bool) {
	if isNil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(n) + 1)
}

func (e *encoder) float(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.buf = append(e.buf, 0)
		return
	}
	// Like JSON, a time keeps its offset, not its zone: offset 0 reads
	// back as UTC, another as Local if Local has that offset then.
	_, off := t.Zone()
	if off == 0 {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 2)
	}
	e.buf = binary.AppendVarint(e.buf, t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
	if off != 0 {
		e.int(off)
	}
}

// block writes what fn writes, preceded by its length.
func (e *encoder) block(fn func()) {
	start := len(e.buf)
	fn()
	n := len(e.buf) - start
	var hdr [binary.MaxVarintLen64]byte
	h := binary.PutUvarint(hdr[:], uint64(n))
	e.buf = append(e.buf, hdr[:h]...)
	copy(e.buf[start+h:], e.buf[start:start+n])
	copy(e.buf[start:], hdr[:h])
}

func (e *encoder) state(st *dialogue.State) {
	e.block(func() {
		e.str(st.Phase)
		e.str(st.Prev)
		e.str(st.Lang)
		e.str(st.Channel)
		e.str(st.Source)
		e.bool(st.Test)
		e.decision(st.Consent.Keep)
		e.decision(st.Consent.Research)
		e.count(len(st.Steps), st.Steps == nil)
		for i := range st.Steps {
			e.step(&st.Steps[i])
		}
		e.str(st.Pending)
		e.str(st.Prompt)
		e.int(st.Retries)
		e.str(string(st.Style))
		e.str(string(st.Forced))
		e.bool(st.Trace)
		e.int(st.Shown)
		e.str(st.Offer)
		e.bool(st.Stopped)
		e.bool(st.Done)
		e.int(st.Turns)
		e.time(st.Started)
		e.time(st.Updated)
		e.decision(st.Consent.Share)
		e.decision(st.Consent.Callback)
		e.str(st.Handover)
		e.decision(st.Consent.Followup)
		e.followup(st.Followup)
		e.int(st.Promise.Lo)
		e.int(st.Promise.Hi)
	})
}

// followup writes f as JSON bytes (nil: none), like a handover: at most
// one per conversation, and its fields may grow without a codec change.
func (e *encoder) followup(f *dialogue.Followup) { e.json(f, f == nil, "followup") }

func (e *encoder) decision(d *dialogue.Decision) {
	e.bool(d != nil)
	if d == nil {
		return
	}
	e.block(func() {
		e.bool(d.Given)
		e.str(d.Version)
		e.time(d.At)
		e.str(d.Channel)
	})
}

func (e *encoder) step(s *dialogue.Step) {
	e.block(func() {
		e.str(s.Statement)
		e.int(s.Value)
		for _, p := range s.Posterior {
			e.float(p)
		}
		e.str(string(s.Tone))
		e.time(s.At)
	})
}

func (e *encoder) seen(s *bot.Seen) {
	e.block(func() {
		e.str(s.ID)
		e.count(len(s.Replies), s.Replies == nil)
		for i := range s.Replies {
			e.reply(&s.Replies[i])
		}
	})
}

func (e *encoder) reply(r *dialogue.Reply) {
	e.block(func() {
		e.str(r.Text)
		e.count(len(r.Choices), r.Choices == nil)
		for _, c := range r.Choices {
			e.block(func() {
				e.str(c.ID)
				e.str(c.Label)
			})
		}
		e.str(r.Prompt)
		e.bool(r.Document != nil)
		if r.Document != nil {
			e.block(func() {
				e.str(r.Document.Name)
				e.bytes(r.Document.Data)
			})
		}
	})
}

// decodeBinary decodes a session written by Encode. Every length is
// checked against the bytes left before anything is allocated, so memory
// stays in proportion to v.
func decodeBinary(v []byte) (s *bot.Session, err error) {
	if len(v) == 0 || v[0] != sessionTag {
		return nil, errDecode
	}
	// One string holds every string field: one allocation, not one each.
	d := &decoder{s: string(v[1:])}
	s = &bot.Session{}
	d.block(func(d *decoder) {
		s.Key = d.str()
		s.Version = d.uvarint0()
		d.state(&s.Conv)
		if n, ok := d.count(); ok {
			s.Seen = make([]bot.Seen, n)
			for i := range s.Seen {
				d.seen(&s.Seen[i])
			}
		}
		s.Research = d.str()
		if b := d.bytes(); b != nil {
			s.Handover = new(bot.Handover)
			if err := json.Unmarshal(b, s.Handover); err != nil {
				d.fail("handover")
			}
		}
		if n, ok := d.count(); ok {
			s.Signals = make([]string, n)
			for i := range s.Signals {
				s.Signals[i] = d.str()
			}
		}
	})
	if d.err == nil && d.s != "" {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}

type decoder struct {
	s   string // what is left of the current block
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", errDecode, what)
	}
	d.s = ""
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		b := d.s[i]
		if i == binary.MaxVarintLen64-1 && b > 1 {
			break
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			d.s = d.s[i+1:]
			return v
		}
	}
	d.fail("bad number")
	return 0
}

// uvarint0 is uvarint, zero when the block has ended.
func (d *decoder) uvarint0() uint64 {
	if d.s == "" {
		return 0
	}
	return d.uvarint()
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) int() int {
	v := d.varint()
	if int64(int(v)) != v {
		d.fail("number out of range")
		return 0
	}
	return int(v)
}

// len reads a length of n bytes still to come.
func (d *decoder) len() int {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail("length beyond the record")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	if d.s == "" {
		return "" // a field missing at the end of a block
	}
	n := d.len()
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

// count reads a slice length; ok is false for a nil slice. Every element
// takes at least one byte, so a count beyond the bytes left is damage.
func (d *decoder) count() (n int, ok bool) {
	if d.s == "" {
		return 0, false
	}
	c := d.uvarint()
	if c == 0 {
		return 0, false
	}
	if c-1 > uint64(len(d.s)) {
		d.fail("count beyond the record")
		return 0, false
	}
	return int(c - 1), true
}

func (d *decoder) bytes() []byte {
	n, ok := d.count()
	if !ok {
		return nil
	}
	b := []byte(d.s[:n])
	d.s = d.s[n:]
	return b
}

func (d *decoder) bool() bool {
	if d.s == "" {
		return false
	}
	b := d.s[0]
	d.s = d.s[1:]
	if b > 1 {
		d.fail("bad boolean")
	}
	return b == 1
}

func (d *decoder) float() float64 {
	if d.s == "" {
		return 0
	}
	if len(d.s) < 8 {
		d.fail("short number")
		return 0
	}
	var u uint64
	for i := 7; i >= 0; i-- {
		u = u<<8 | uint64(d.s[i])
	}
	f := math.Float64frombits(u)
	d.s = d.s[8:]
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// Not storable as JSON (exports, /gegevens): damage.
		d.fail("number not finite")
		return 0
	}
	return f
}

func (d *decoder) time() time.Time {
	if d.s == "" {
		return time.Time{}
	}
	zone := d.s[0]
	d.s = d.s[1:]
	if zone == 0 {
		return time.Time{}
	}
	if zone > 2 {
		d.fail("bad time")
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail("bad time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if zone == 2 {
		off := d.int()
		if off <= -24*3600 || off >= 24*3600 {
			d.fail("bad time zone")
			return time.Time{}
		}
		if _, local := t.In(time.Local).Zone(); local == off {
			t = t.In(time.Local)
		} else {
			t = t.In(time.FixedZone("", off))
		}
	}
	// Times must stay writable as JSON (exports, /gegevens).
	if y := t.Year(); y < 0 || y > 9999 {
		d.fail("time out of range")
		return time.Time{}
	}
	return t
}

// block runs fn on the next block; fields fn reads beyond the block's end
// are zero, and bytes fn leaves unread are damage.
func (d *decoder) block(fn func(*decoder)) {
	if d.s == "" {
		return
	}
	n := d.len()
	sub := &decoder{s: d.s[:n]}
	d.s = d.s[n:]
	fn(sub)
	if sub.err == nil && sub.s != "" {
		sub.fail("unknown fields")
	}
	if sub.err != nil {
		d.err, d.s = sub.err, ""
	}
}

func (d *decoder) state(st *dialogue.State) {
	d.block(func(d *decoder) {
		st.Phase = d.str()
		st.Prev = d.str()
		st.Lang = d.str()
		st.Channel = d.str()
		st.Source = d.str()
		st.Test = d.bool()
		st.Consent.Keep = d.decision()
		st.Consent.Research = d.decision()
		if n, ok := d.count(); ok {
			st.Steps = make([]dialogue.Step, n)
			for i := range st.Steps {
				d.step(&st.Steps[i])
			}
		}
		st.Pending = d.str()
		st.Prompt = d.str()
		st.Retries = d.int0()
		st.Style = dialogue.Tone(d.str())
		st.Forced = dialogue.Tone(d.str())
		st.Trace = d.bool()
		st.Shown = d.int0()
		st.Offer = d.str()
		st.Stopped = d.bool()
		st.Done = d.bool()
		st.Turns = d.int0()
		st.Started = d.time()
		st.Updated = d.time()
		st.Consent.Share = d.decision()
		st.Consent.Callback = d.decision()
		st.Handover = d.str()
		st.Consent.Followup = d.decision()
		if b := d.bytes(); b != nil {
			st.Followup = new(dialogue.Followup)
			if err := json.Unmarshal(b, st.Followup); err != nil {
				d.fail("followup")
			}
		}
		// Zero (no promise made yet) in records written before it.
		st.Promise.Lo = d.int0()
		st.Promise.Hi = d.int0()
	})
}

// int0 is int, zero when the block has ended.
func (d *decoder) int0() int {
	if d.s == "" {
		return 0
	}
	return d.int()
}

func (d *decoder) decision() *dialogue.Decision {
	if !d.bool() {
		return nil
	}
	var dec dialogue.Decision
	d.block(func(d *decoder) {
		dec.Given = d.bool()
		dec.Version = d.str()
		dec.At = d.time()
		dec.Channel = d.str()
	})
	return &dec
}

func (d *decoder) step(s *dialogue.Step) {
	d.block(func(d *decoder) {
		s.Statement = d.str()
		s.Value = d.int0()
		for i := range s.Posterior {
			s.Posterior[i] = d.float()
		}
		s.Tone = dialogue.Tone(d.str())
		s.At = d.time()
	})
}

func (d *decoder) seen(s *bot.Seen) {
	d.block(func(d *decoder) {
		s.ID = d.str()
		if n, ok := d.count(); ok {
			s.Replies = make([]dialogue.Reply, n)
			for i := range s.Replies {
				d.reply(&s.Replies[i])
			}
		}
	})
}

func (d *decoder) reply(r *dialogue.Reply) {
	d.block(func(d *decoder) {
		r.Text = d.str()
		if n, ok := d.count(); ok {
			r.Choices = make([]dialogue.Choice, n)
			for i := range r.Choices {
				c := &r.Choices[i]
				d.block(func(d *decoder) {
					c.ID = d.str()
					c.Label = d.str()
				})
			}
		}
		r.Prompt = d.str()
		if d.bool() {
			r.Document = &dialogue.Document{}
			d.block(func(d *decoder) {
				r.Document.Name = d.str()
				r.Document.Data = d.bytes()
			})
		}
	})
}
