// Package segment holds the segmentation study "Segmentatiestudie
// Proactieve Dienstverlening" (Hogeschool Utrecht, 2026) and infers from a
// few chat answers which of its three segments a person most resembles:
// Vertrouwende Volgers (39%), Zorgvuldige Zelfredzamen (22%) and
// Voorzichtige Hulpzoekers (39%).
//
// The package is pure: standard library only, no I/O apart from the
// embedded statements.json, no clock, no logging.
//
// # Data
//
// statements.json holds the study's 28 statements in the order of its
// table: a stable id, the dimension, the Dutch text verbatim, the kind
// (importance: "Dat ..."; agreement: the others), the per-segment
// agreement percentages (26 statements; the two "Fast service" statements
// have none), a conversational question in Dutch (B1, je-form) and
// English, and a short "why we ask". It is content: a communication
// advisor may edit the ask and why fields; ids, texts and figures follow
// the study.
//
// # Evidence model
//
// The study publishes, per segment, the share that agrees with each
// statement: top-2-box on a 5-point scale. The model therefore reads an
// answer of 4 or 5 as "agrees" and 1 to 3 as "does not agree"; a skipped
// statement is no evidence. With p(i, s) the published share of segment s
// agreeing with statement i, an answer contributes log p(i, s) or
// log(1 - p(i, s)) to the log posterior of s, starting from the prior of
// the segment sizes.
//
// Answers are assumed independent given the segment (naive Bayes), except
// within a dimension: statements of one dimension measure the same thing,
// so their answers correlate and a naive posterior is overconfident. The
// model tempers them with a design effect: n answers of one dimension
// together weigh as n/(1+(n-1)ρ) independent answers, so each weighs
// 1/(1+(n-1)ρ). The weight does not depend on the order of the answers.
// ρ (Options.Temper) is chosen by measurement: the value that keeps the
// calibration of the all-statements posterior best on both independent
// and correlated synthetic respondents (docs/segment.md).
//
// # Asking and stopping
//
// Model.Next stops when at least MinQuestions were asked and PChange, the
// estimated chance that answering every remaining statement would change
// the current assignment, is below StopBound (curtailment), or at
// MaxQuestions. PChange treats, for each segment that might be true, the
// log odds that the remaining answers add as normal with their exact mean
// and variance, adds the chances of being overtaken by either other
// segment, and averages over the posterior.
//
// The next statement is the one that moves the deciding log odds most
// where the decision is still open: for each segment s that might be true
// and each challenger c of the current best segment, the variance an
// answer adds to the final log odds of best against c, weighted by the
// posterior of s and by the normal density of that final log odds at zero.
// This aims at the stopping rule rather than at the segment as such: a
// statement that separates the segments well but cannot flip the
// decision any more scores low. Statements without figures are never
// chosen and no statement is asked twice. Decision.Gain still reports the
// expected information (bits) of the chosen statement.
//
// Decision.Remaining forecasts the statements still to be asked: it
// assumes the remaining statements come in the order of their current
// score and counts, per answer, the chance that the deciding log odds is
// still within the stopping margin (normal approximation, margin shrunk by
// a measured factor for stopping at the first crossing). It is a
// forecast, not a promise.
//
// Model.Plan is Next under a promise that a person can rely on: a range
// of how many statements the questionnaire asks in all (Bounds). Its
// lower bound is the earliest end any answers could bring, found by
// trying them; its upper bound a cautious forecast that Plan then keeps
// as a cap. The range never widens from one answer to the next, so
// "nog 3 tot 9 vragen" never turns into more than was said.
//
// # Answers in words
//
// Parse reads free-text chat answers in Dutch and English ("ja hoor",
// "niet zo belangrijk", "4/5", 👍, "sla over", "waarom?") and says when it
// cannot read one rather than guess.
//
// # Caveats
//
//   - The study published marginal percentages per segment, not the joint
//     distribution of answers. Everything beyond those margins is an
//     assumption: conditional independence between dimensions, a single
//     correlation strength ρ within every dimension, and a prior equal to
//     the segment sizes of the survey population (adults with money
//     worries), which need not be the chatbot's population.
//   - The segments came from a cluster analysis on more variables than
//     these statements and on the full answer scale; top-2-box throws
//     away the difference between 1 and 3. Even with all 26 statements the
//     assignment matches the generating segment for only about 75-78% of
//     synthetic respondents, and real people fit clusters less neatly than
//     synthetic ones.
//   - The tempering is a correction, not a model of the correlation: with
//     ρ = 0.1 the posterior is slightly underconfident when answers really
//     are independent and slightly overconfident when they correlate more
//     than the simulation assumes.
//   - PChange is an approximation (normal sums, union bound) under the
//     model's own assumptions; it is calibrated on synthetic respondents
//     only. The stopping rule aims at agreement with the all-statements
//     assignment, not at the truth, which the model cannot know.
//   - About 11.4 statements on average are needed for 95% agreement
//     with the all-statements assignment; at 10 the policy agrees for about
//     92-93%. On subsets of up to 17 statements, where the best possible
//     policy can be computed exactly (exact_test.go), it needs 92-95% of
//     this policy's statements; extrapolated to 26, that is about 10.5,
//     so no policy is likely to reach 95% at 10 statements on the study's
//     figures (docs/segment.md).
//   - A segment is a description of needs, not a label: the study itself
//     warns against etikettering. Use it to adapt tone and offer, never to
//     withhold help.
package segment
