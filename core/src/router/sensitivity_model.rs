//! The model's reading of a text's sensitivity, and how it joins the rules' reading.
//!
//! Rules miss phrases ("what I told my counsellor" says therapy without the word); a sentence
//! model reads the meaning. A text's embedding is compared with example requests of every class,
//! like the kind classifier; the nearest examples vote. The model can only make a subtask
//! stricter, never laxer: [`stricter`] keeps the more private of the two readings and its reason
//! names both, so a user sees why.

use super::kinds::cosine;
use super::sensitivity::{Finding, Sensitivity};

/// Example requests of each class, varied in theme and wording (none is from a test set).
fn examples(class: Sensitivity) -> &'static [&'static str] {
    match class {
        Sensitivity::General => &[
            "write a poem about the ocean",
            "explain how photosynthesis works",
            "what is the capital of Australia",
            "fix the null pointer exception in this Java method",
            "translate this restaurant menu into Spanish",
            "summarise this news article about the election",
            "plan a three-day trip to Rome",
            "what are the health benefits of green tea",
            "how does two-factor authentication work",
            "what is the history of psychoanalysis",
            "find the best budget laptops this year",
            "write a birthday message for a coworker",
            "how do mortgages work in general",
            "describe the painting in this photo",
            "convert 10 kilograms to pounds",
            "pick up groceries from the supermarket",
            "what does the law say about returning faulty goods",
            "generate an image of a castle in the clouds",
        ],
        Sensitivity::Internal => &[
            "summarize the notes from our team's planning meeting",
            "draft the announcement of our company's new office for employees",
            "analyse our sales figures for the last quarter",
            "review the architecture document for our product",
            "prepare slides about our hiring plan for the managers",
            "list the open tasks from our project tracker",
            "write the release notes for our next version before launch",
            "compare our pricing against our competitors for the strategy meeting",
        ],
        Sensitivity::Sensitive => &[
            "help me budget with my monthly income and debts",
            "write a letter to my landlord about my late rent",
            "summarise the transactions on my bank account from last month",
            "draft a reply to my ex about the children's weekend schedule",
            "translate my residence permit letter",
            "explain the court summons I received",
            "calculate how much tax I owe on my freelance income",
            "write to my employer about my sick leave and pay",
            "review my loan application before I send it",
            "tell my friends online that I was laid off",
        ],
        Sensitivity::UltraSensitive => &[
            "write up the notes from my session with my therapist",
            "help me make sense of what I wrote in my diary last night",
            "summarise my psychiatric evaluation",
            "what do my blood results say about my liver",
            "help me describe my depression and anxiety to a doctor",
            "reword this memo marked confidential, do not distribute",
            "keep this between us: draft a message about my affair",
            "store my online banking login and PIN",
            "here is my password, log in for me",
            "edit my personal journal entry about my grief",
            "summarise my medical history for the new clinic",
            "write about my struggle with addiction for my support group",
            "fill in this form with my passport and social security number",
            "analyse my sexual health test results",
        ],
    }
}

/// How many nearest examples of a class vote (their similarities are averaged).
const VOTES: usize = 2;
/// The model reads a text as private (sensitive or ultra-sensitive) only when its private
/// examples are at least this similar, and no less similar than the general ones minus
/// [`PRIVATE_LEAN`]: a small lean towards privacy, because a private text sent away costs more
/// than a general one kept here. Both chosen from measurements (docs/coordinator.md).
const MIN_PRIVATE_SIMILARITY: f32 = 0.28;
const PRIVATE_LEAN: f32 = 0.03;

/// The model's sensitivity reading: embeddings of every class's examples.
#[derive(Debug, Clone, Default)]
pub struct SensitivityClassifier {
    examples: Vec<(Sensitivity, &'static str, Vec<f32>)>,
}

impl SensitivityClassifier {
    /// Every example, in the order [`SensitivityClassifier::new`] expects their embeddings.
    pub fn example_texts() -> Vec<&'static str> {
        Sensitivity::ALL.iter().flat_map(|class| examples(*class).iter().copied()).collect()
    }

    /// `embeddings[i]` is the embedding of `example_texts()[i]`; `None` when the count or the
    /// dimensions do not match.
    pub fn new(embeddings: Vec<Vec<f32>>) -> Option<Self> {
        let texts = Self::example_texts();
        let dims = embeddings.first().map(Vec::len)?;
        if embeddings.len() != texts.len() || dims == 0 || embeddings.iter().any(|e| e.len() != dims) {
            return None;
        }
        let classes = Sensitivity::ALL.iter().flat_map(|class| examples(*class).iter().map(move |_| *class));
        let examples = classes.zip(texts).zip(embeddings).map(|((class, text), e)| (class, text, e)).collect();
        Some(SensitivityClassifier { examples })
    }

    /// Each class's score (mean similarity of its nearest examples) and nearest example.
    fn scores(&self, embedding: &[f32]) -> Vec<(Sensitivity, f32, &'static str, f32)> {
        Sensitivity::ALL
            .into_iter()
            .filter_map(|class| {
                let mut scored: Vec<(f32, &str)> = self
                    .examples
                    .iter()
                    .filter(|(c, _, _)| *c == class)
                    .map(|(_, text, e)| (cosine(embedding, e), *text))
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                let &(nearest, text) = scored.first()?;
                let votes = scored.len().min(VOTES);
                let score = scored.iter().take(votes).map(|(s, _)| s).sum::<f32>() / votes as f32;
                Some((class, score, text, nearest))
            })
            .collect()
    }

    /// The class the model reads in `embedding`, with its nearest example; `None` on a dimension
    /// mismatch.
    pub fn classify(&self, embedding: &[f32]) -> Option<Finding> {
        let dims = self.examples.first().map(|(_, _, e)| e.len())?;
        if embedding.len() != dims {
            return None;
        }
        let scores = self.scores(embedding);
        let score_of = |class| scores.iter().find(|s| s.0 == class).map_or(0.0, |s| s.1);
        let best_of = |classes: &[Sensitivity]| {
            scores.iter().filter(|s| classes.contains(&s.0)).max_by(|a, b| a.1.total_cmp(&b.1)).copied()
        };
        let private = best_of(&[Sensitivity::Sensitive, Sensitivity::UltraSensitive])?;
        let reads_private = private.1 >= MIN_PRIVATE_SIMILARITY
            && private.1 + PRIVATE_LEAN >= score_of(Sensitivity::General).max(score_of(Sensitivity::Internal));
        let (class, _, example, nearest) =
            if reads_private { private } else { best_of(&[Sensitivity::General, Sensitivity::Internal])? };
        Some(Finding {
            class,
            reason: format!("{}, similar to \u{201c}{example}\u{201d} ({nearest:.2})", class.label()),
        })
    }
}

/// The rules' finding raised to the model's reading when that is stricter; the reason names both,
/// the deciding one first ("contains medical records (…); model: …" or "model: ultra-sensitive,
/// similar to …; rules: no private data found").
pub fn stricter(rules: Finding, model: Option<Finding>) -> Finding {
    match model {
        None => rules,
        Some(model) if model.class > rules.class => {
            Finding { class: model.class, reason: format!("model: {}; rules: {}", model.reason, rules.reason) }
        }
        Some(model) => Finding { class: rules.class, reason: format!("{}; model: {}", rules.reason, model.reason) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-hot embeddings: every example points along its class's axis.
    fn axis(class: Sensitivity) -> Vec<f32> {
        let mut v = vec![0.0; Sensitivity::ALL.len()];
        v[Sensitivity::ALL.iter().position(|c| *c == class).unwrap()] = 1.0;
        v
    }

    fn classifier() -> SensitivityClassifier {
        let embeddings = Sensitivity::ALL.iter().flat_map(|c| examples(*c).iter().map(move |_| axis(*c))).collect();
        SensitivityClassifier::new(embeddings).unwrap()
    }

    #[test]
    fn the_nearest_examples_decide_and_the_reason_names_one() {
        let classifier = classifier();
        let ultra = classifier.classify(&axis(Sensitivity::UltraSensitive)).unwrap();
        assert_eq!(ultra.class, Sensitivity::UltraSensitive);
        assert!(ultra.reason.starts_with("ultra-sensitive, similar to \u{201c}"), "{}", ultra.reason);
        assert!(ultra.reason.ends_with("(1.00)"), "{}", ultra.reason);
        assert_eq!(classifier.classify(&axis(Sensitivity::Internal)).unwrap().class, Sensitivity::Internal);
        assert!(classifier.classify(&[1.0]).is_none(), "wrong dimensions");
        assert!(SensitivityClassifier::new(vec![vec![1.0]]).is_none(), "wrong count");
    }

    #[test]
    fn a_private_reading_needs_enough_similarity_and_leans_private_on_a_near_tie() {
        let classifier = classifier();
        // Only faintly like the sensitive examples: nothing private is read.
        let faint = [0.0, 1.0, 0.2, 0.0];
        assert_eq!(classifier.classify(&faint).unwrap().class, Sensitivity::Internal);
        // As near the sensitive examples as the general ones: the private reading wins.
        let tie = [1.0, 0.0, 1.0, 0.0];
        assert_eq!(classifier.classify(&tie).unwrap().class, Sensitivity::Sensitive);
        // Clearly nearer the general ones: general.
        let general = [1.0, 0.0, 0.5, 0.0];
        assert_eq!(classifier.classify(&general).unwrap().class, Sensitivity::General);
    }

    #[test]
    fn the_stricter_reading_wins_and_both_are_named() {
        let rules = Finding { class: Sensitivity::General, reason: "no private data found".into() };
        let model = Finding {
            class: Sensitivity::UltraSensitive,
            reason: "ultra-sensitive, similar to \u{201c}x\u{201d} (0.62)".into(),
        };
        let joined = stricter(rules.clone(), Some(model.clone()));
        assert_eq!(joined.class, Sensitivity::UltraSensitive);
        assert_eq!(
            joined.reason,
            "model: ultra-sensitive, similar to \u{201c}x\u{201d} (0.62); rules: no private data found"
        );
        let medical = Finding { class: Sensitivity::UltraSensitive, reason: "contains medical records".into() };
        let lax =
            Finding { class: Sensitivity::General, reason: "general, similar to \u{201c}y\u{201d} (0.40)".into() };
        let joined = stricter(medical, Some(lax));
        assert_eq!(joined.class, Sensitivity::UltraSensitive, "the model never lowers the rules' class");
        assert!(joined.reason.starts_with("contains medical records; model: general"), "{}", joined.reason);
        assert_eq!(stricter(rules.clone(), None), rules);
    }
}
