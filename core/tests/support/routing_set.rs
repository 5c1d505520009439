//! The labelled routing set (tests/data/routing_set.tsv) and the scenario it is routed in, shared
//! by core's rule-based test and the worker's test with the real model (which includes this file).

use amorph_core::events::Capability;
use amorph_core::identity::Identity;
use amorph_core::router::{
    route, Context, KindGuess, OwnerPolicy, PeerCandidate, Power, Provider, Registry, Route, Sensitivity, Spent,
    Subtask, TaskKind,
};

pub struct Labelled {
    pub kind: TaskKind,
    pub class: Sensitivity,
    /// "local", "cloud", "peer" or "board".
    pub route: String,
    pub text: String,
}

pub fn load() -> Vec<Labelled> {
    include_str!("../data/routing_set.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "four tab-separated fields: {line}");
            Labelled {
                kind: TaskKind::from_name(fields[0]).unwrap_or_else(|| panic!("unknown kind in {line}")),
                class: Sensitivity::from_name(fields[1]).unwrap_or_else(|| panic!("unknown class in {line}")),
                route: fields[2].to_string(),
                text: fields[3].to_string(),
            }
        })
        .collect()
}

pub const NOW_MS: u64 = 1_800_000_000_000;
pub const KEYS: [Provider; 4] = [Provider::Anthropic, Provider::OpenAi, Provider::Google, Provider::Xai];

/// A peer with a signed capability envelope (from a minute before `NOW_MS`): its owner's `policy`, an H100
/// (`gpu`) or a 16-core CPU, and `accuracy_ppm` in every kind.
pub fn candidate(seed: u8, policy: OwnerPolicy, gpu: bool, accuracy_ppm: u32) -> PeerCandidate {
    PeerCandidate {
        peer: Identity::from_seed([seed; 32]).peer_id(),
        label: format!("peer-{seed}"),
        capability: Capability {
            backend: if gpu { "webgpu" } else { "cpu" }.into(),
            adapter: if gpu { "NVIDIA H100" } else { "" }.into(),
            fallback_adapter: false,
            cores: 16,
            memory_mib: 16_384,
            gpu_max_buffer_mib: if gpu { 4_096 } else { 0 },
            embeddings_per_s_x10: 2_000,
            gflops_x10: if gpu { 100_000 } else { 400 },
            power: Power::Unknown,
            battery_percent: u8::MAX,
            connection: "wifi".into(),
            policy,
        },
        signed_at_ms: NOW_MS - 60_000,
        accuracy_ppm: TaskKind::ALL.into_iter().map(|kind| (kind, accuracy_ppm)).collect(),
        completion_ppm: 900_000,
        bid_price: None,
    }
}

/// A GPU peer that takes machine work up to internal data, and a CPU peer that takes
/// everything but errands and heavy computation up to sensitive data.
pub fn peers() -> Vec<PeerCandidate> {
    let machine_work = |except: &[TaskKind]| TaskKind::ALL.into_iter().filter(|k| !except.contains(k)).collect();
    vec![
        candidate(
            1,
            OwnerPolicy {
                kinds: machine_work(&[TaskKind::Physical]),
                max_sensitivity: Sensitivity::Internal,
                ..OwnerPolicy::default()
            },
            true,
            600_000,
        ),
        candidate(
            2,
            OwnerPolicy {
                kinds: machine_work(&[TaskKind::Physical, TaskKind::Compute]),
                max_sensitivity: Sensitivity::Sensitive,
                ..OwnerPolicy::default()
            },
            false,
            600_000,
        ),
    ]
}

pub fn route_name(route: &Route) -> &'static str {
    match route.executor.reach() {
        amorph_core::router::Reach::ThisDevice => "local",
        amorph_core::router::Reach::CloudModel => "cloud",
        amorph_core::router::Reach::Peer => "peer",
        amorph_core::router::Reach::HumanBoard => "board",
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub total: usize,
    pub kinds_right: usize,
    pub classes_right: usize,
    pub routes_right: usize,
    /// Routes that send a task where its labelled class forbids.
    pub privacy_violations: Vec<String>,
    pub misses: Vec<String>,
}

impl Report {
    pub fn line(&self, reader: &str) -> String {
        let share = |n: usize| n as f64 / self.total as f64;
        format!(
            "{{\"reader\":\"{reader}\",\"tasks\":{},\"kind_accuracy\":{:.3},\"class_accuracy\":{:.3},\"route_accuracy\":{:.3},\"privacy_violations\":{}}}",
            self.total,
            share(self.kinds_right),
            share(self.classes_right),
            share(self.routes_right),
            self.privacy_violations.len()
        )
    }
}

/// Routes every labelled task (each on its own budget) with `classify` reading its kind.
pub fn evaluate(classify: impl Fn(&str) -> KindGuess) -> Report {
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
        let subtask = Subtask::read(&task.text, &classify);
        let routed = route(&subtask, &context, &mut Spent::default());
        report.total += 1;
        report.kinds_right += usize::from(subtask.kind.kind == task.kind);
        report.classes_right += usize::from(subtask.sensitivity.class == task.class);
        let right = route_name(&routed) == task.route;
        report.routes_right += usize::from(right);
        if !task.class.allows(routed.executor.reach()) {
            report.privacy_violations.push(format!("{}: {}", task.text, routed.reason));
        }
        if !right || subtask.kind.kind != task.kind {
            report.misses.push(format!(
                "{:?}/{} expected {}, got {:?}/{} → {}: {}",
                task.kind,
                task.class.name(),
                task.route,
                subtask.kind.kind,
                subtask.sensitivity.class.name(),
                route_name(&routed),
                task.text
            ));
        }
    }
    report
}
