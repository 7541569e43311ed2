// Package web is the review page for researchers: a small web site, served
// from the bot's store, where signed-in researchers read the pseudonymised
// transcripts of people who agreed to research use, see figures and the
// study's table, tag and annotate conversations, and download exports.
//
// Redaction at the source misses some names, so the transcript marks the
// words that still look like a name (redact.Suspects) and lets a
// researcher remove a piece of a citizen's message in place
// (research.RedactTurn): the original is not kept, the action is in the
// audit log, and every later export holds the corrected text. That needs
// the live store; over a read-only copy ("proactief review") the page says
// it cannot change anything.
//
// [New] takes the store (the live one of "proactief serve", or a read-only
// copy for "proactief review") and [Options] with three files kept beside
// the database: the researcher accounts ([Accounts], bcrypt hashes), the
// reviews ([Reviews], tags, notes and who reviewed what) and the audit log
// (research.Audit). [Server.Handler] is the http.Handler to mount.
//
// Pages are rendered on the server with html/template from embedded
// templates (templates/*.html, in Dutch, editable without touching Go) and
// one embedded style sheet; there is no JavaScript. Charts are inline SVG
// with a title, a description and a table with the same figures.
//
// Security: every page but the sign-in page needs a session (a random id
// in a Secure, HttpOnly, SameSite=Strict cookie); every POST carries the
// session's CSRF token; sign-in is limited per account and address, and
// many failures on an account slow each attempt on it down instead of
// locking its owner out; failed sign-ins are in the audit log;
// responses carry a strict Content-Security-Policy and frame, sniffing and
// referrer headers; requests for a Host not in Options.AllowedHosts get
// 400. Every transcript view, study table and export is written to the
// audit log before it is shown; when the log cannot be written nothing is
// shown. Staff test conversations are hidden unless asked for.
//
// # Caveats
//
//   - Sessions live in memory: a restart signs everybody out, and with
//     several instances behind one address a researcher must stick to one.
//   - Each page reads all research records from the store (research.Load);
//     that is fine for a study's thousands of conversations, not millions.
//   - Reviews are one JSON file rewritten whole on every save, under a
//     lock file beside it (<reviews>.lock) and after reading what other
//     processes wrote, so that an erasure (Reviews.Erase, Reviews.Retain)
//     is not written back. Where flock is missing, run one process per
//     database.
//   - Warnings an outsider can cause (unknown hosts, failed CSRF checks,
//     sign-ins) are logged at most 10 times a minute each; Server.Refused
//     counts all of them.
//   - Client addresses for the rate limit come from the connection; behind
//     a reverse proxy all researchers share the proxy's address (and its
//     limits).
package web
