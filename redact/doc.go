// Package redact removes personal data from Dutch text written by citizens,
// so that transcripts can be read by researchers.
//
// Text replaces each piece of personal data by a tag in square brackets:
//
//	[BSN]        burgerservicenummer (11-proof, also 123.456.782 or 123 456 782)
//	[IBAN]       bank account (mod-97, NL and other countries, with or without spaces)
//	[TELEFOON]   Dutch and international telephone numbers
//	[EMAIL]      e-mail addresses
//	[URL]        web addresses (https://..., www.example.nl, example.nl/pad)
//	[GEBRUIKER]  @usernames
//	[POSTCODE]   Dutch postcodes (1234 AB, 1234ab)
//	[ADRES]      street and house number (Kerkstraat 12, kerkstr. 12a, Van Goghlaan 3-II)
//	[NAAM]       names after a cue word: "ik heet", "mijn naam is", "met ... hier",
//	             greetings ("Hoi Sanne"), sign-offs ("groeten, Piet"), family
//	             ("mijn zoon Mohammed"), titles ("mevrouw de Vries")
//	[DATUM]      dates with a year (12-03-1985, 1985-03-12, 12 maart 1985, 3 mrt '85),
//	             and day and month after "geboren" or "jarig"
//	[KENTEKEN]   Dutch licence plates (12-ABC-3, AB-123-C, KLB12R)
//	[NUMMER]     customer, case and reference numbers: seven or more digits that are
//	             not an amount, or four or more after a word like "klantnummer"
//
// It keeps amounts (€ 1.250,00, 450 euro, 1200,-), ages, years, small numbers,
// organisations (Belastingdienst, CJIB, UWV, gemeente Utrecht) and ordinary
// words after a greeting ("Hoi, ik heb een vraag").
//
// Text is pure and safe for concurrent use. Its output is never longer than
// twice its input plus a small constant, and Text(Text(s)) == Text(s).
// Bytes that are not valid UTF-8 are copied unchanged.
//
// Find reports the same data as spans, for callers that count or label.
//
// # Caveats
//
// Redaction is a set of rules, not a model, and it errs on the side of
// removing too much for numbers and too little for words:
//
//   - Names are found only after a cue word. "Ik heb Jan gebeld" keeps "Jan",
//     and so does a surname alone ("Jansen belde"). A lower-case word after a
//     weak cue such as "mijn vrouw" or "ik ben" is taken as a name only if it
//     is in the list of common first names (lexicon/firstnames.txt); after a
//     strong cue ("ik heet", "groeten", "mevrouw") any word that is not in
//     lexicon/common.txt is taken.
//   - Street names are found by their suffix (straat, laan, weg, gracht, ...)
//     or after "ik woon op/aan"; a street without a house number, or with an
//     unusual name and no cue, is kept. Cities and place names are kept.
//   - Dates without a year are redacted only after a birth cue; payment
//     deadlines ("per 1 juli") are kept on purpose.
//   - Any run of seven or more digits that is not marked as an amount is
//     redacted as [NUMMER], so a large amount written without "€" or "euro"
//     is lost; a typo in a Dutch IBAN still gives [IBAN].
//   - Numbers split in unusual ways (one digit per word, words for digits),
//     initials alone, nicknames, addresses abroad and licence plates from
//     other countries are not recognised.
//   - Free text can identify a person in ways no rule sees (a rare job, an
//     event in the news): redacted transcripts are pseudonymous, not anonymous.
package redact
