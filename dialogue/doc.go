// Package dialogue is proactief's conversation engine: a finite-state
// machine (github.com/looplab/fsm) that asks for consent, asks the study's
// profiling statements in the order package segment chooses, adapts its tone
// as the segment inference sharpens, and ends with an offer of help.
//
// The engine is pure: [Engine.Step] takes a [State] and an [Input] and returns
// the new State and the [Reply] values to show. It does no I/O, reads no clock
// (time arrives in the Input) and logs nothing, so the same conversation
// replays the same way in tests, in the terminal and in every channel.
//
// Every sentence a citizen reads lives in the embedded content files
// content/nl.txt and content/en.txt, one entry per message with a variant for
// each [Tone]. [LoadContent] refuses content with a missing message, a
// missing tone variant or a wrong placeholder, naming the file and key.
// content/nl-u.txt is layered over nl.txt for municipalities that write "u"
// ([Municipality].Formal), and content/statements-u.txt holds the study's
// questions in that form. [LoadContentWith] layers a deployment's own files
// over the embedded ones and checks the result the same way, readability of
// the calm texts included. content/SOURCES.md gives the source of every fact.
//
// [Options].Municipality makes the bot speak for a municipality: its name,
// who is responsible for the data, its numbers and partners. Offers are
// chosen by tone and by the person's own answers; every numbered line in an
// offer is the button at that place.
//
// Before a message is read as an answer, [Understand] decides whether it
// means something else: a crisis, an urgent money emergency, a wish for a
// person, a question about the question or about privacy, stop, later,
// anger or something off-topic. The engine answers the most urgent in
// every state; a crisis or an urgent need pauses the questions, and the
// person can go on with them. The words it listens for are data
// (understand.txt), with a small naive Bayes model behind them for crisis,
// urgent and person (bayes.go).
//
// A citizen never sees a segment name: the inference only picks a tone, and
// the citizen's own choice of style ("korter", "meer uitleg") always wins.
//
// # Caveats
//
//   - looplab/fsm's SetState does not validate, so [Engine.Step] checks a
//     restored state name against the known states and starts over with a
//     friendly word when it is unknown.
//   - The state does not hold raw text the person typed: answers are kept as
//     parsed values. Staff test conversations keep a transcript of the bot's
//     own replies and the person's parsed answers only.
//   - The understanding step misses phrasings nobody wrote down: on text
//     written after its last change it found 90% of crisis messages, 84%
//     of urgent ones and all requests for a person (README, Figures).
//     What it misses is read as an answer only if the answer parser reads
//     it confidently; otherwise the person is told it was not understood.
//   - Outcome.Sensitive marks a crisis message; the runtime must keep its
//     text out of research records and logs (package bot does).
//   - The progress estimate comes from the stopping rule and is an estimate:
//     it may shrink faster than one step at a time when the inference becomes
//     sure, and when it has to grow the reply says so.
package dialogue
