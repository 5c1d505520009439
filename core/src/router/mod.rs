//! The router: where each subtask of a request should run, and why.
//!
//! Pure and deterministic: it reads a request, the model's (or the rules') reading of each part,
//! the LLM registry, which providers the user holds keys for, the budget and the peers' signed
//! capability envelopes, and returns a plan whose every step carries a reason a user can check
//! before anything is sent. Privacy comes first: a subtask's sensitivity class decides where it
//! may go at all ([`Sensitivity::allows`]); only then do strength, cost, karma and hardware pick
//! among what is left.

mod chain;
mod kinds;
mod peers;
pub mod pii;
mod plan;
mod policy;
mod registry;
mod sensitivity;
mod sensitivity_model;

pub use chain::{dependencies, refers_back};
pub use kinds::{classify_by_rules, cosine, KindClassifier, KindGuess, TaskKind};
pub use peers::{latest_envelopes, PeerCandidate, ENVELOPE_FRESH_MS};
pub use plan::{split, PlanError, MAX_PARTS, MAX_REQUEST_BYTES};
pub use policy::{OwnerPolicy, PolicyError, Power};
pub use registry::{dollars, origin_of, Api, ModelProfile, Provider, Registry, RegistryError, MAX_MODELS};
pub use sensitivity::{detect, Finding, Reach, Sensitivity};
pub use sensitivity_model::{stricter, SensitivityClassifier};

use serde::{Deserialize, Serialize};

use crate::identity::PeerId;

/// What a peer is offered for a subtask it did not bid on, and what a task on the public board
/// pays, in credits (the user changes it when posting).
pub const DEFAULT_PEER_CREDITS: u64 = 10;
pub const DEFAULT_BOARD_CREDITS: u64 = 20;

/// Where a subtask goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Executor {
    ThisDevice { model: String },
    Cloud { model: String, provider: Provider },
    Peer { peer: PeerId, label: String },
    HumanBoard,
}

impl Executor {
    pub fn reach(&self) -> Reach {
        match self {
            Executor::ThisDevice { .. } => Reach::ThisDevice,
            Executor::Cloud { .. } => Reach::CloudModel,
            Executor::Peer { .. } => Reach::Peer,
            Executor::HumanBoard => Reach::HumanBoard,
        }
    }
}

/// A part whose input is at least this many tokens is a long document: it prefers the model with
/// the largest context window (long inputs are what those windows are for, and a model near its
/// limit reads the far end of a text worst).
pub const LONG_DOCUMENT_TOKENS: u32 = 8_000;

/// A subtask as read: its text, kind and sensitivity, each with the reason for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subtask {
    pub text: String,
    pub kind: KindGuess,
    pub sensitivity: Finding,
}

impl Subtask {
    /// Reads `text` with `classify` (the model, or [`classify_by_rules`]) and the privacy rules.
    pub fn read(text: &str, classify: impl Fn(&str) -> KindGuess) -> Subtask {
        Subtask { text: text.to_string(), kind: classify(text), sensitivity: detect(text) }
    }

    /// The same, with the model's sensitivity reading as well: the stricter of it and the rules
    /// wins ([`stricter`]).
    pub fn read_with_model(text: &str, classify: impl Fn(&str) -> KindGuess, model: Option<Finding>) -> Subtask {
        Subtask { text: text.to_string(), kind: classify(text), sensitivity: stricter(detect(text), model) }
    }

    /// Raises the class to at least `class` (a user's mark); the detected class stays a floor.
    pub fn raise(&mut self, class: Sensitivity) {
        if class > self.sensitivity.class {
            self.sensitivity = Finding { class, reason: format!("marked {} by you", class.label()) };
        }
    }

    /// Raises the class to at least that of the part whose result this one works on (`earlier`,
    /// part number `index` counting from 1): a translation of a medical summary is as private as
    /// the record.
    pub fn inherit(&mut self, earlier: &Finding, index: usize) {
        if earlier.class > self.sensitivity.class {
            self.sensitivity = Finding {
                class: earlier.class,
                reason: format!("works on the result of part {index} ({})", earlier.reason),
            };
        }
    }

    fn input_tokens(&self) -> u32 {
        let text = u32::try_from(self.text.chars().count()).unwrap_or(u32::MAX) / 4 + 1;
        // An image costs roughly a thousand tokens on every vision model.
        if self.kind.kind == TaskKind::Vision {
            text.saturating_add(1_000)
        } else {
            text
        }
    }

    fn output_tokens(&self) -> u32 {
        let input = self.input_tokens();
        match self.kind.kind {
            TaskKind::Code | TaskKind::Research => 800,
            TaskKind::Writing => 600,
            TaskKind::Math => 500,
            TaskKind::Vision => 300,
            TaskKind::Extract => 200,
            TaskKind::Summarize => (input / 4).max(100),
            TaskKind::Translate => input.saturating_add(input / 5),
            TaskKind::Social => 300,
            // Image models bill a picture at about a thousand output tokens.
            TaskKind::ImageGeneration => 1_000,
            TaskKind::Trivial => 50,
            TaskKind::Physical | TaskKind::Compute => 0,
        }
    }
}

/// A routing decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub executor: Executor,
    /// Why, in one sentence: "kept local: contains medical records (“medical”)".
    pub reason: String,
    /// Estimated price of a cloud call, in micro-dollars.
    pub cost_micros: u64,
    /// Credits offered to a peer or a human worker.
    pub credits: u64,
}

/// What the router knows besides the subtask.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub registry: &'a Registry,
    /// Providers the user has an API key for.
    pub keys: &'a [Provider],
    /// What this request may spend on cloud models (micro-dollars) and on peers and people
    /// (credits).
    pub budget_micros: u64,
    pub budget_credits: u64,
    pub peers: &'a [PeerCandidate],
    pub now_ms: u64,
}

/// Spending so far within one request's plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub micros: u64,
    pub credits: u64,
}

/// A planned subtask: what it is and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub subtask: Subtask,
    pub route: Route,
    /// The earlier step whose result this one works on ([`dependencies`]).
    #[serde(default)]
    pub depends_on: Option<usize>,
}

/// Splits `request`, reads every part and routes it, spending the budget in order.
pub fn plan(request: &str, classify: impl Fn(&str) -> KindGuess, context: &Context) -> Result<Vec<Step>, PlanError> {
    Ok(plan_parts(&split(request)?, classify, context))
}

/// Reads and routes the parts of a request already [`split`], spending the budget in order.
pub fn plan_parts(parts: &[String], classify: impl Fn(&str) -> KindGuess, context: &Context) -> Vec<Step> {
    plan_parts_with_model(parts, classify, |_| None, context)
}

/// The same, with `sensitivity` giving the model's sensitivity reading of each part (`None`
/// where the model did not read it: the rules alone decide).
pub fn plan_parts_with_model(
    parts: &[String],
    classify: impl Fn(&str) -> KindGuess,
    sensitivity: impl Fn(&str) -> Option<Finding>,
    context: &Context,
) -> Vec<Step> {
    let mut spent = Spent::default();
    let mut steps: Vec<Step> = Vec::with_capacity(parts.len());
    for (part, depends_on) in parts.iter().zip(dependencies(parts)) {
        let mut subtask = Subtask::read_with_model(part, &classify, sensitivity(part));
        if let Some(earlier) = depends_on.and_then(|i| steps.get(i)) {
            subtask.inherit(&earlier.subtask.sensitivity, depends_on.unwrap_or_default() + 1);
        }
        let route = route(&subtask, context, &mut spent);
        steps.push(Step { subtask, route, depends_on });
    }
    steps
}

/// Routes one subtask and adds its price to `spent`.
pub fn route(subtask: &Subtask, context: &Context, spent: &mut Spent) -> Route {
    let route = choose(subtask, context, *spent);
    debug_assert!(subtask.sensitivity.class.allows(route.executor.reach()), "privacy rule broken: {route:?}");
    spent.micros += route.cost_micros;
    spent.credits += route.credits;
    route
}

fn choose(subtask: &Subtask, context: &Context, spent: Spent) -> Route {
    let (kind, class) = (subtask.kind.kind, subtask.sensitivity.class);
    let local = context.registry.local().map_or_else(|| "local".to_string(), |m| m.id.clone());
    let keep_local = |reason: String| Route {
        executor: Executor::ThisDevice { model: local.clone() },
        reason,
        cost_micros: 0,
        credits: 0,
    };
    if class == Sensitivity::UltraSensitive {
        return keep_local(format!("kept local: {}", subtask.sensitivity.reason));
    }
    let credits_left = context.budget_credits.saturating_sub(spent.credits);
    let peer = best_peer(subtask, context, credits_left);
    match kind {
        TaskKind::Physical => {
            if let Some(route) = peer {
                return route;
            }
            if class.allows(Reach::HumanBoard) && credits_left >= DEFAULT_BOARD_CREDITS {
                return Route {
                    executor: Executor::HumanBoard,
                    reason: format!(
                        "goes to human workers on the board: it needs a person on site; pays {DEFAULT_BOARD_CREDITS} credits"
                    ),
                    cost_micros: 0,
                    credits: DEFAULT_BOARD_CREDITS,
                };
            }
            let why = if class.allows(Reach::HumanBoard) {
                format!("{credits_left} credits left, a board task pays {DEFAULT_BOARD_CREDITS}")
            } else {
                format!("{} data stays off the public board ({})", class.label(), subtask.sensitivity.reason)
            };
            return keep_local(format!(
                "kept local: it needs a person on site and {why}; do it yourself or ask a trusted peer"
            ));
        }
        TaskKind::Compute => {
            return peer.unwrap_or_else(|| {
                keep_local("kept local: no peer with a GPU accepts this work within the budget".to_string())
            });
        }
        _ => {}
    }
    let fits = |m: &ModelProfile| m.context_tokens >= subtask.input_tokens().saturating_add(subtask.output_tokens());
    if let Some(model) = context.registry.local().filter(|m| m.strengths.contains(&kind) && fits(m)) {
        return keep_local(format!("kept local: {} handles {}, free and private", model.id, kind.label()));
    }
    let cloud = best_cloud(subtask, context, spent);
    match (cloud, peer) {
        (Ok(route), _) => route,
        (Err(_), Some(route)) => route,
        (Err(why), None) => keep_local(format!("kept local: {why}")),
    }
}

/// The strongest affordable cloud model the user holds a key for, or why there is none.
fn best_cloud(subtask: &Subtask, context: &Context, spent: Spent) -> Result<Route, String> {
    let (kind, class) = (subtask.kind.kind, subtask.sensitivity.class);
    if !class.allows(Reach::CloudModel) {
        return Err(format!("{} data never goes to a cloud provider ({})", class.label(), subtask.sensitivity.reason));
    }
    let (input, output) = (subtask.input_tokens(), subtask.output_tokens());
    let left = context.budget_micros.saturating_sub(spent.micros);
    let mut usable: Vec<(&ModelProfile, u64)> = context
        .registry
        .models
        .iter()
        .filter(|m| m.provider != Provider::ThisDevice && (!m.provider.needs_key() || context.keys.contains(&m.provider)))
        .filter(|m| m.context_tokens >= input.saturating_add(output))
        .map(|m| (m, m.cost_micros(input, output)))
        .collect();
    if usable.is_empty() {
        return Err(format!("no cloud model you hold a key for fits {}; add an API key in Settings", kind.label()));
    }
    let long = input >= LONG_DOCUMENT_TOKENS;
    // A quick task needs no strength: the cheapest model answers it as well as the dearest. A long
    // document goes to the largest context window first. Otherwise strong at the kind first;
    // then cheaper, then faster, then by id for a stable order.
    usable.sort_by_key(|(m, cost)| {
        let strong = kind == TaskKind::Trivial || m.strengths.contains(&kind);
        (long.then_some(std::cmp::Reverse(m.context_tokens)), !strong, *cost, m.latency_ms, m.id.clone())
    });
    let over: Vec<String> = usable
        .iter()
        .take_while(|(_, cost)| *cost > left)
        .map(|(m, c)| format!("{} ({})", m.id, dollars(*c)))
        .collect();
    let Some((model, cost)) = usable.iter().find(|(_, cost)| *cost <= left) else {
        return Err(format!(
            "every usable cloud model costs more than the {} left: {}",
            dollars(left),
            over.join(", ")
        ));
    };
    let local = context.registry.local().map_or("the local model", |m| m.id.as_str());
    let strength = if long {
        format!(
            "a long document (about {input} tokens) goes to the largest context window you can use ({} tokens)",
            model.context_tokens
        )
    } else if kind == TaskKind::Trivial {
        format!("{} goes to the cheapest model, since {local} cannot write answers yet", kind.label())
    } else if model.strengths.contains(&kind) {
        format!("strong at {}", kind.label())
    } else {
        format!("none you can use is strong at {}", kind.label())
    };
    let mut reason = format!(
        "goes to {} ({}): {strength}, about {} of the {} left",
        model.id,
        model.provider.label(),
        dollars(*cost),
        dollars(left)
    );
    if !over.is_empty() {
        reason.push_str(&format!("; over budget: {}", over.join(", ")));
    }
    if class == Sensitivity::Internal {
        reason.push_str("; internal data goes only to your own cloud accounts");
    }
    Ok(Route {
        executor: Executor::Cloud { model: model.id.clone(), provider: model.provider },
        reason,
        cost_micros: *cost,
        credits: 0,
    })
}

/// The best peer allowed to take the subtask: fresh envelope, owner policy accepts it, price within
/// the credits left; ranked by karma in the kind (and GPU speed for heavy computation).
fn best_peer(subtask: &Subtask, context: &Context, credits_left: u64) -> Option<Route> {
    let (kind, class) = (subtask.kind.kind, subtask.sensitivity.class);
    if !class.allows(Reach::Peer) {
        return None;
    }
    let score = |p: &PeerCandidate| {
        let karma = u64::from(p.accuracy(kind)) * 2 + u64::from(p.completion_ppm);
        if kind == TaskKind::Compute {
            karma / 1_000 * u64::from(p.capability.gflops_x10).max(1)
        } else {
            karma
        }
    };
    let best = context
        .peers
        .iter()
        .filter(|p| p.is_fresh(context.now_ms))
        .filter(|p| p.capability.policy.permits(kind, class, p.capability.power).is_ok())
        .filter(|p| kind != TaskKind::Compute || p.has_real_gpu())
        .filter(|p| p.bid_price.unwrap_or(DEFAULT_PEER_CREDITS) <= credits_left)
        .max_by_key(|p| (score(p), p.bid_price.is_some(), std::cmp::Reverse(p.peer)))?;
    let price = best.bid_price.unwrap_or(DEFAULT_PEER_CREDITS);
    let offer = match best.bid_price {
        Some(bid) => format!("bid {bid} credits"),
        None => format!("offered {price} credits"),
    };
    let mut reason = format!(
        "goes to peer {}: {offer}, accuracy {} in {}, completion {}",
        best.label,
        crate::karma::decimal(best.accuracy(kind), 3),
        kind.name(),
        crate::karma::decimal(best.completion_ppm, 3)
    );
    if kind == TaskKind::Compute {
        reason.push_str(&format!(
            ", GPU {}.{} GFLOP/s",
            best.capability.gflops_x10 / 10,
            best.capability.gflops_x10 % 10
        ));
    }
    if class >= Sensitivity::Internal {
        reason.push_str(&format!("; its owner accepts {} data", class.label()));
    }
    Some(Route {
        executor: Executor::Peer { peer: best.peer, label: best.label.clone() },
        reason,
        cost_micros: 0,
        credits: price,
    })
}
