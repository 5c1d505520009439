//! The held-out routing set (tests/data/heldout_set.tsv): requests written fresh for issue 12,
//! never tuned to, routed in the labelled set's scenario. Shared by core's rule-based test and the
//! worker's test with the real model (which includes this file beside routing_set.rs).

use amorph_core::router::{route, Context, Executor, Provider, Reach, Registry, Sensitivity, Spent, Subtask, TaskKind};

use super::routing_set::{peers, route_name, KEYS, NOW_MS};

pub struct HeldOut {
    pub kind: TaskKind,
    pub class: Sensitivity,
    /// "local", "cloud", "peer" or "board".
    pub route: String,
    /// The cloud provider that must be chosen, when it matters (social goes to xAI).
    pub provider: Option<Provider>,
    pub text: String,
}

fn provider(name: &str) -> Option<Provider> {
    match name {
        "openai" => Some(Provider::OpenAi),
        "anthropic" => Some(Provider::Anthropic),
        "google" => Some(Provider::Google),
        "xai" => Some(Provider::Xai),
        _ => None,
    }
}

pub fn load() -> Vec<HeldOut> {
    include_str!("../data/heldout_set.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 5, "five tab-separated fields: {line}");
            HeldOut {
                kind: TaskKind::from_name(fields[0]).unwrap_or_else(|| panic!("unknown kind in {line}")),
                class: Sensitivity::from_name(fields[1]).unwrap_or_else(|| panic!("unknown class in {line}")),
                route: fields[2].to_string(),
                provider: provider(fields[3]),
                text: fields[4].to_string(),
            }
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct Report {
    pub total: usize,
    pub kinds_right: usize,
    pub classes_right: usize,
    pub routes_right: usize,
    /// Private (sensitive or ultra-sensitive) tasks sent to a cloud model or the public board.
    pub private_to_cloud: Vec<String>,
    /// Any route the labelled class forbids (internal data on the board counts too).
    pub privacy_violations: usize,
    pub general: usize,
    /// General tasks read as sensitive or stricter, so kept off the cloud for nothing.
    pub false_private: Vec<String>,
    pub misses: Vec<String>,
}

impl Report {
    pub fn line(&self, reader: &str) -> String {
        let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
        format!(
            "{{\"set\":\"heldout\",\"reader\":\"{reader}\",\"tasks\":{},\"kind_accuracy\":{:.3},\"class_accuracy\":{:.3},\"route_accuracy\":{:.3},\"private_to_cloud\":{},\"privacy_violations\":{},\"false_private_rate\":{:.3}}}",
            self.total,
            share(self.kinds_right, self.total),
            share(self.classes_right, self.total),
            share(self.routes_right, self.total),
            self.private_to_cloud.len(),
            self.privacy_violations,
            share(self.false_private.len(), self.general)
        )
    }
}

/// Routes every held-out task (each on its own budget) as `read` reads it.
pub fn evaluate(read: impl Fn(&str) -> Subtask) -> Report {
    let (registry, peers) = (Registry::default(), peers());
    let context = Context {
        registry: &registry,
        keys: &KEYS,
        budget_micros: 1_000_000,
        budget_credits: 100,
        peers: &peers,
        now_ms: NOW_MS,
    };
    let mut report = Report::default();
    for task in load() {
        let subtask = read(&task.text);
        let routed = route(&subtask, &context, &mut Spent::default());
        let reach = routed.executor.reach();
        let chosen = match routed.executor {
            Executor::Cloud { provider, .. } => Some(provider),
            _ => None,
        };
        report.total += 1;
        report.kinds_right += usize::from(subtask.kind.kind == task.kind);
        report.classes_right += usize::from(subtask.sensitivity.class == task.class);
        let right = route_name(&routed) == task.route && task.provider.is_none_or(|p| chosen == Some(p));
        report.routes_right += usize::from(right);
        let line = format!(
            "{}/{} expected {}{}, got {}/{} → {} ({}): {}",
            task.kind.name(),
            task.class.name(),
            task.route,
            task.provider.map(|p| format!(" {}", p.label())).unwrap_or_default(),
            subtask.kind.kind.name(),
            subtask.sensitivity.class.name(),
            route_name(&routed),
            routed.reason,
            task.text
        );
        if task.class >= Sensitivity::Sensitive && matches!(reach, Reach::CloudModel | Reach::HumanBoard) {
            report.private_to_cloud.push(line.clone());
        }
        report.privacy_violations += usize::from(!task.class.allows(reach));
        if task.class == Sensitivity::General {
            report.general += 1;
            if subtask.sensitivity.class >= Sensitivity::Sensitive {
                report.false_private.push(line.clone());
            }
        }
        if !right || subtask.kind.kind != task.kind || subtask.sensitivity.class != task.class {
            report.misses.push(line);
        }
    }
    report
}
