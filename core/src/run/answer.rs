//! The final answer of a run: every step's output in plan order, each labelled with who produced
//! it, and every part that was not produced listed with why. It never pretends: a missing part is
//! shown as missing, never papered over.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{StepId, StepStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub parts: Vec<AnswerPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerPart {
    pub step: StepId,
    /// Who produces it ("gpt-4o (OpenAI)", "a human worker").
    pub label: String,
    pub outcome: PartOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "text", rename_all = "snake_case")]
pub enum PartOutcome {
    Produced(String),
    /// Why there is nothing: "skipped", "failed: the API key was refused".
    Missing(String),
}

impl Answer {
    /// Every part was produced.
    pub fn is_complete(&self) -> bool {
        self.parts.iter().all(|part| matches!(part.outcome, PartOutcome::Produced(_)))
    }

    pub(super) fn part(step: StepId, label: &str, status: &StepStatus) -> AnswerPart {
        let missing = |why: String| PartOutcome::Missing(why);
        let outcome = match status {
            StepStatus::Done { output, .. } => PartOutcome::Produced(output.clone()),
            StepStatus::Waiting => missing("not run".into()),
            StepStatus::Queued | StepStatus::Running { .. } | StepStatus::RetryAt { .. } => {
                missing("still running".into())
            }
            StepStatus::OnBoard { .. } => missing("waiting for a person on the board".into()),
            StepStatus::Unavailable { reason } => missing(format!("not run: {reason}")),
            StepStatus::Failed { reason } => missing(format!("failed: {reason}")),
            StepStatus::Blocked { reason, .. } => missing(format!("not run: {reason}")),
            StepStatus::Skipped => missing("skipped".into()),
            StepStatus::Cancelled => missing("cancelled".into()),
        };
        AnswerPart { step, label: label.to_string(), outcome }
    }
}

/// The answer as plain text: one block per part, headed by its step and who produced it.
impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, part) in self.parts.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            match &part.outcome {
                PartOutcome::Produced(text) => writeln!(f, "[{}, by {}]\n{}", part.step, part.label, text.trim_end())?,
                PartOutcome::Missing(why) => writeln!(f, "[{}, by {}: {why}]", part.step, part.label)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parts_say_why_and_the_text_names_each_producer() {
        let done = StepStatus::Done { output: "Bonjour\n".into(), cost_micros: 10, elapsed_ms: 5, attempts: 1 };
        let answer = Answer {
            parts: vec![
                Answer::part(StepId(0), "gpt-4o (OpenAI)", &done),
                Answer::part(
                    StepId(1),
                    "this device",
                    &StepStatus::Unavailable { reason: "needs the local writing model".into() },
                ),
                Answer::part(StepId(2), "a human worker", &StepStatus::Skipped),
            ],
        };
        assert!(!answer.is_complete());
        assert_eq!(
            answer.to_string(),
            "[step 1, by gpt-4o (OpenAI)]\nBonjour\n\n[step 2, by this device: not run: needs the local writing model]\n\n[step 3, by a human worker: skipped]\n"
        );
    }
}
