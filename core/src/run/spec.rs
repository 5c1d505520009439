//! What a run is made of and the limits it runs under: the steps as planned, the settings for
//! concurrency, retries and stalls, and why a plan may be refused before anything starts.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::events::{MAX_BUDGET_MICROS, MAX_MODEL_CHARS, MAX_TIMEOUT_MS};
use crate::router::MAX_PARTS;

/// Who produces a step ("gpt-4o (OpenAI)", "a human worker"), as the answer labels its part.
pub const MAX_LABEL_CHARS: usize = 80;
/// A step's streamed or submitted text; a model that writes more is stopped.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// A failure's message as kept and shown.
pub const MAX_REASON_BYTES: usize = 500;
/// A provider that asks to wait longer than this is not waited for: the step fails and says so.
pub const MAX_RETRY_AFTER_MS: u64 = 10 * 60 * 1000;
pub const MAX_ATTEMPTS: u32 = 16;

/// How a run paces its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Cloud calls in flight at once (board tasks wait on people and take no slot).
    pub max_concurrent: usize,
    /// Attempts per series: the first try and its automatic retries.
    pub max_attempts: u32,
    /// The first retry waits about this long; each further one about twice as long…
    pub backoff_base_ms: u64,
    /// …but never longer than this (a provider's `retry-after` may ask for longer).
    pub backoff_max_ms: u64,
    /// An attempt that reports nothing for this long is aborted and counts as a retryable failure.
    pub attempt_timeout_ms: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            max_concurrent: 3,
            max_attempts: 4,
            backoff_base_ms: 500,
            backoff_max_ms: 30_000,
            attempt_timeout_ms: 120_000,
        }
    }
}

impl RunConfig {
    pub fn check(&self) -> Result<(), RunError> {
        if self.max_concurrent == 0 {
            return Err(RunError::BadConfig("at least one call must be allowed at a time"));
        }
        if self.max_attempts == 0 || self.max_attempts > MAX_ATTEMPTS {
            return Err(RunError::BadConfig("attempts per step must be 1 to 16"));
        }
        if self.backoff_base_ms == 0 || self.backoff_base_ms > self.backoff_max_ms {
            return Err(RunError::BadConfig("the first retry delay must be above 0 and at most the longest delay"));
        }
        if self.backoff_max_ms > MAX_RETRY_AFTER_MS {
            return Err(RunError::BadConfig("the longest retry delay must be at most 10 minutes"));
        }
        if self.attempt_timeout_ms == 0 || self.attempt_timeout_ms > MAX_TIMEOUT_MS {
            return Err(RunError::BadConfig("the stall timeout must be 1 ms to 24 hours"));
        }
        Ok(())
    }
}

/// A step's place in its plan (0-based); shown to people as "step 1", "step 2"…
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StepId(pub u32);

impl StepId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}", u64::from(self.0) + 1)
    }
}

/// Who does a step's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Work {
    /// A cloud model, called by the adapter with the user's key.
    Cloud { model: String },
    /// A task posted on the swarm's board for human workers, paying `credits`.
    Board { credits: u64 },
    /// This device's own model; it cannot write answers yet.
    Local,
    /// A peer of the swarm; handing work to peers is not built yet.
    Peer,
}

impl Work {
    /// Why this work cannot run at all, if it cannot.
    pub fn unavailable(&self) -> Option<&'static str> {
        match self {
            Work::Local => Some("needs the local writing model"),
            Work::Peer => Some("handing work to peers is not built yet"),
            Work::Cloud { .. } | Work::Board { .. } => None,
        }
    }
}

/// One step of a plan as the engine runs it. The step's text stays with the adapter, which
/// builds each request from it and its dependencies' outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpec {
    pub work: Work,
    /// The router's estimate of a cloud call's price, in micro-dollars (0 for other work).
    pub estimate_micros: u64,
    /// Steps whose outputs this one needs; only earlier steps.
    pub depends_on: Vec<StepId>,
    /// Who produces it, as the answer labels its part.
    pub label: String,
}

/// Why a plan cannot become a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("there is nothing to run: the plan has no steps")]
    NoSteps,
    #[error("a plan has at most {MAX_PARTS} steps; this one has {0}")]
    TooManySteps(usize),
    #[error("{step} depends on {on}, which does not come before it")]
    LaterDependency { step: StepId, on: StepId },
    #[error("{step}: {why}")]
    BadStep { step: StepId, why: String },
    #[error("a run's budget is at most $1,000,000")]
    BudgetTooLarge,
    #[error("run settings: {0}")]
    BadConfig(&'static str),
}

/// Checks `steps` and returns them with their dependencies sorted and each listed once.
pub(super) fn checked(mut steps: Vec<StepSpec>, budget_micros: u64) -> Result<Vec<StepSpec>, RunError> {
    if steps.is_empty() {
        return Err(RunError::NoSteps);
    }
    if steps.len() > MAX_PARTS {
        return Err(RunError::TooManySteps(steps.len()));
    }
    if budget_micros > MAX_BUDGET_MICROS {
        return Err(RunError::BudgetTooLarge);
    }
    for (index, spec) in steps.iter_mut().enumerate() {
        let step = StepId(index as u32);
        let bad = |why: String| RunError::BadStep { step, why };
        let label = spec.label.chars().count();
        if label == 0 || label > MAX_LABEL_CHARS {
            return Err(bad(format!("its label must be 1 to {MAX_LABEL_CHARS} characters, is {label}")));
        }
        if let Work::Cloud { model } = &spec.work {
            let chars = model.chars().count();
            if chars == 0 || chars > MAX_MODEL_CHARS {
                return Err(bad(format!("its model id must be 1 to {MAX_MODEL_CHARS} characters, is {chars}")));
            }
        }
        if spec.estimate_micros > MAX_BUDGET_MICROS {
            return Err(bad("its estimate is over $1,000,000".to_string()));
        }
        if let Some(&on) = spec.depends_on.iter().find(|on| on.index() >= index) {
            return Err(RunError::LaterDependency { step, on });
        }
        spec.depends_on.sort_unstable();
        spec.depends_on.dedup();
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud(depends_on: Vec<StepId>) -> StepSpec {
        StepSpec {
            work: Work::Cloud { model: "gpt-4o".into() },
            estimate_micros: 100,
            depends_on,
            label: "gpt-4o (OpenAI)".into(),
        }
    }

    #[test]
    fn plans_that_cannot_run_are_refused_with_a_reason() {
        assert_eq!(checked(vec![], 0), Err(RunError::NoSteps));
        assert_eq!(checked(vec![cloud(vec![]); MAX_PARTS + 1], 0), Err(RunError::TooManySteps(MAX_PARTS + 1)));
        let forward = checked(vec![cloud(vec![]), cloud(vec![StepId(1)])], 0);
        assert_eq!(forward, Err(RunError::LaterDependency { step: StepId(1), on: StepId(1) }));
        assert_eq!(forward.unwrap_err().to_string(), "step 2 depends on step 2, which does not come before it");
        let unlabelled = StepSpec { label: String::new(), ..cloud(vec![]) };
        assert!(matches!(checked(vec![unlabelled], 0), Err(RunError::BadStep { step: StepId(0), .. })));
        assert_eq!(checked(vec![cloud(vec![])], MAX_BUDGET_MICROS + 1), Err(RunError::BudgetTooLarge));
    }

    #[test]
    fn repeated_dependencies_are_kept_once() {
        let steps = checked(vec![cloud(vec![]), cloud(vec![]), cloud(vec![StepId(1), StepId(0), StepId(1)])], 0);
        assert_eq!(steps.unwrap()[2].depends_on, vec![StepId(0), StepId(1)]);
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(RunConfig::default().check(), Ok(()));
        let none_at_once = RunConfig { max_concurrent: 0, ..RunConfig::default() };
        assert!(none_at_once.check().is_err());
        let inverted = RunConfig { backoff_base_ms: 40_000, ..RunConfig::default() };
        assert!(inverted.check().is_err());
        let never = RunConfig { attempt_timeout_ms: 0, ..RunConfig::default() };
        assert!(never.check().is_err());
    }
}
