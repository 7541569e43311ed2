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
//	[ADRES]      street and house number (Kerkstraat 12, kerkstr. 12a, Van Goghlaan 3-II),
//	             and a street without a street word when a place follows or an
//	             address cue precedes ("spui 10 in den haag", "ik woon op amstel 45")
//	[NAAM]       names after a cue word: "ik heet", "mijn naam is", "met ... hier",
//	             greetings ("Hoi Sanne"), sign-offs ("groeten, Piet", "doei sanne"),
//	             family ("mijn zoon Mohammed"), titles ("mevrouw de Vries"); and
//	             names without a cue ("bram hier", "thx mark", "de jong van de
//	             schuldhulp"), found with name lexicons and scored on their context
//	[DATUM]      dates with a year (12-03-1985, 1985-03-12, 12 maart 1985, 3 mrt '85,
//	             2 feb 74), and day and month after "geboren" or "jarig"
//	[KENTEKEN]   Dutch licence plates (12-ABC-3, AB-123-C, KLB12R, xp123v)
//	[NUMMER]     customer, case and reference numbers: seven or more digits that are
//	             not an amount, or four or more after a word like "klantnummer"
//
// It keeps amounts (€ 1.250,00, 450 euro, 1200,-), ages, years, small numbers,
// appointment dates without a year, public service numbers (0800, 0900),
// organisations and places (Belastingdienst, CJIB, Albert Heijn, Den Haag,
// lexicon/places.txt) and ordinary words, also those that are names too
// ("de bakker op de hoek", "met spoed", "de roos op mijn arm").
//
// Names without a cue: each word that could start a name is scored on what
// it is (a first name or surname from lexicon/, and whether it is also an
// ordinary Dutch word in the OpenTaal list) and on its context (first in
// the message, after "met", "thx" or "doei", before "hier" or "van de", a
// capital where no sentence starts, an article before it); the surname
// after a first name is taken with it. Sources and licences of every list
// are in lexicon/README.md; nothing is fetched at run time.
//
// Text first normalises the text (see Normalize): no-break and zero-width
// spaces, NUL, other control characters and invalid bytes cannot hide a
// name or a number, and they do not survive into the redacted copy. Long
// text is redacted in chunks of 32 KB, so memory stays in proportion to
// the text.
//
// Text is pure and safe for concurrent use. Its output is never longer than
// twice its input plus a small constant, and Text(Text(s)) == Text(s).
//
// Find reports the same data as spans, for callers that count or label.
//
// # Caveats
//
// Redaction is a set of rules, not a model, and it errs on the side of
// removing too much for numbers and too little for words:
//
//   - Names without a cue are found when they are in the lexicons or, with a
//     capital where no sentence starts, in no word list. A name that is
//     also a Dutch word, in lower case ("ik zag marjolein"), needs a cue; a
//     name in no list needs a cue, a capital, or a place such as "thx ..."
//     at the end of a message. A lower-case word after a weak cue such
//     as "mijn vrouw" or "ik ben" is taken only if it is a known first name;
//     after a strong cue ("ik heet", "groeten") any word that is not an
//     ordinary Dutch word is taken. The lexicons carry no frequencies (none
//     was available under a licence that allows shipping); lexicon/namewords.txt
//     is a hand-made judgement of names that are more often a word.
//   - A piece of personal data that straddles a 32 KB chunk boundary of a
//     very long text can be missed.
//   - Street names are found by their suffix (straat, laan, weg, gracht, ...)
//     or after "ik woon op/aan"; a street without a house number, or with an
//     unusual name and no cue, is kept. Cities and place names are kept.
//   - Dates without a year are redacted only after a birth cue; payment
//     deadlines ("per 1 juli") are kept on purpose, and so are dates from
//     2020 on without a birth cue ("afspraak op 14-01-2027"), so the birth
//     date of a young child is kept unless a cue such as "geboren" or "is
//     van" comes before it.
//   - Any run of seven or more digits that is not marked as an amount is
//     redacted as [NUMMER], so a large amount written without "€" or "euro"
//     is lost; a typo in a Dutch IBAN still gives [IBAN].
//   - Numbers split in unusual ways (one digit per word, words for digits),
//     initials alone, nicknames, addresses abroad and licence plates from
//     other countries are not recognised.
//   - Free text can identify a person in ways no rule sees (a rare job, an
//     event in the news), and on the held-out chat set about 1 name in 16 is
//     still missed: redacted transcripts are pseudonymised, not anonymous.
package redact
