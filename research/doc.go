// Package research turns the research records a [bot.Store] keeps into
// what researchers work with: one [Conversation] per research pseudonym
// ([Load]), exports as JSON lines or CSV ([WriteJSONL], [WriteCSV]), the
// study's table recomputed from the chatbot's own answers ([Compute],
// [Report.WriteText]) and an append-only [Audit] log of who took what.
// An erasure takes the person's pseudonym out of that log ([Audit.Forget],
// [Audit.Retain]); who did what, and when, stays (docs/research.md says
// why).
//
// Only people who agreed to research use have research records, so only
// they can appear here. Citizen text in the records was redacted when it
// was written (see package redact); this package adds nothing personal:
// days, never times; research pseudonyms, never session keys or channel ids.
//
// The report applies small-cell suppression: a count or a percentage based
// on fewer than [MinCell] people is shown as "<10".
//
// # Caveats
//
//   - A conversation is dated by its first research record (FirstDay); a
//     [Filter] with Since or Until selects conversations that started in
//     that window, like the "started:DAY" tally.
//   - Answers are those given since the last restart (/opnieuw) within a
//     conversation; a restart is recognised by its command or by a
//     statement answered a second time.
//   - A person who used /stop during the questions still reached the offer:
//     they count as completed, with the segment their answers so far point
//     to. Drop-off counts conversations that ended before the offer.
//   - Consent rates come from aggregate counters (bot.Store.Tallies); they
//     include people without research consent and cannot be filtered by
//     segment, channel or source.
//   - Suppression is per cell. A shown percentage of a cell with n >= 10
//     near 0% or 100%, or totals beside suppressed cells, can still reveal
//     that a few people answered otherwise; review a report before
//     publishing it.
package research
