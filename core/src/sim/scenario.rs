//! Scenarios: build a swarm of one system (our mesh or a baseline) on the simulated network, join
//! it, then run steady broadcasts, a mass crash, or a partition that heals, and measure.
//!
//! Owns the timeline of each scenario and the figures taken from it (`Report`). The same seed
//! gives the same network, joins, crashes, partition sides and broadcast origins for every system.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::network::{peer_id, LinkModel, Network};
use super::node::{Flooder, SimNode};
use super::report::{percentile, Report};
use crate::mesh::{Mesh, MeshConfig};

/// Which swarm to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// Our HyParView + Plumtree mesh.
    Mesh,
    /// y-webrtc's shape: each peer links to 20–35 random peers and floods every message.
    YWebrtc,
    /// Flooding on a random graph of the mesh's degree (each peer up to `active_max` links).
    Flooding,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Mesh => "mesh",
            System::YWebrtc => "y-webrtc",
            System::Flooding => "flooding",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScenarioKind {
    /// Broadcasts on a settled swarm.
    Steady,
    /// `fraction` of the peers crash at once; broadcasts start `repair_ms` later.
    Crash { fraction: f64, repair_ms: u64 },
    /// Two random halves cannot reach each other for `duration_ms`, with broadcasts on both sides;
    /// then the partition heals and we wait up to `max_converge_ms` for every peer to have all.
    Partition { duration_ms: u64, max_converge_ms: u64 },
}

impl ScenarioKind {
    pub fn name(&self) -> &'static str {
        match self {
            ScenarioKind::Steady => "steady",
            ScenarioKind::Crash { .. } => "crash",
            ScenarioKind::Partition { .. } => "partition",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScenarioConfig {
    pub peers: usize,
    pub seed: u64,
    pub link: LinkModel,
    pub kind: ScenarioKind,
    pub broadcasts: usize,
    pub broadcast_interval_ms: u64,
    pub payload_bytes: usize,
    /// Joins are spread over this time; the swarm then settles for `settle_ms`.
    pub join_ms: u64,
    pub settle_ms: u64,
    /// Time after the last broadcast before figures are taken.
    pub drain_ms: u64,
    pub mesh: MeshConfig,
    /// Links per peer of the y-webrtc baseline (inclusive range).
    pub ywebrtc_links: (usize, usize),
}

impl ScenarioConfig {
    pub fn new(peers: usize, seed: u64, kind: ScenarioKind) -> Self {
        ScenarioConfig {
            peers,
            seed,
            link: LinkModel::default(),
            kind,
            broadcasts: 50,
            broadcast_interval_ms: 200,
            payload_bytes: 256,
            join_ms: 20_000,
            settle_ms: 20_000,
            drain_ms: 10_000,
            mesh: MeshConfig::default(),
            ywebrtc_links: (20, 35),
        }
    }
}

fn seed_bytes(seed: u64, index: u64) -> [u8; 32] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut bytes = [0; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A random graph where peer `i` wants `want[i]` links: peers in random order link to random
/// peers that still want links (bounded attempts, so some end a little short).
pub fn random_graph(want: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<u32>> {
    let n = want.len();
    let mut links: Vec<Vec<u32>> = vec![Vec::new(); n];
    if n < 2 {
        return links;
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    for a in order {
        let mut attempts = 0;
        while links[a as usize].len() < want[a as usize] && attempts < 20 * want[a as usize] {
            attempts += 1;
            let b = (rng.next_u64() % n as u64) as u32;
            if b == a || links[b as usize].len() >= want[b as usize] || links[a as usize].contains(&b) {
                continue;
            }
            links[a as usize].push(b);
            links[b as usize].push(a);
        }
    }
    links
}

/// Runs one scenario for one system. (`Report::wall_s` is left for the caller, who has a clock.)
pub fn run(config: &ScenarioConfig, system: System) -> Report {
    let n = config.peers;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let graph = match system {
        System::Mesh => None,
        System::YWebrtc => {
            let (lo, hi) = config.ywebrtc_links;
            let want: Vec<usize> = (0..n).map(|_| lo + (rng.next_u64() % (hi - lo + 1) as u64) as usize).collect();
            Some(random_graph(&want, &mut ChaCha8Rng::seed_from_u64(config.seed ^ 1)))
        }
        System::Flooding => {
            let want = vec![config.mesh.membership.active_max; n];
            Some(random_graph(&want, &mut ChaCha8Rng::seed_from_u64(config.seed ^ 1)))
        }
    };
    match graph {
        None => {
            let nodes: Vec<Mesh> = (0..n)
                .map(|i| Mesh::new(peer_id(i as u32), config.mesh.clone(), seed_bytes(config.seed, i as u64)))
                .collect();
            drive(config, system, Network::new(nodes, config.link, config.seed, config.payload_bytes), None)
        }
        Some(graph) => {
            let nodes: Vec<Flooder> =
                graph.iter().map(|links| Flooder::new(links.iter().map(|b| peer_id(*b)).collect())).collect();
            let mut network = Network::new(nodes, config.link, config.seed, config.payload_bytes);
            for (a, links) in graph.iter().enumerate() {
                for b in links {
                    network.open_link(a as u32, *b);
                }
            }
            drive(config, system, network, Some(graph))
        }
    }
}

fn drive<N: SimNode>(
    config: &ScenarioConfig,
    system: System,
    mut net: Network<N>,
    graph: Option<Vec<Vec<u32>>>,
) -> Report {
    let n = config.peers as u32;
    // The timeline's randomness is shared by all systems (same crashes, sides and origins).
    let mut plan = ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(7));
    if graph.is_none() {
        net.join(0, &[]);
        for i in 1..n {
            let at = config.join_ms * i as u64 / n as u64;
            net.run_until(at);
            let contact = (plan.next_u64() % i as u64) as u32;
            net.join(i, &[contact]);
        }
    } else {
        for i in 0..n {
            net.joined[i as usize] = true;
        }
        for _ in 1..n {
            plan.next_u64();
        }
    }
    let mut t = config.join_ms + config.settle_ms;
    net.run_until(t);

    let mut heal_at = None;
    match config.kind {
        ScenarioKind::Steady => {}
        ScenarioKind::Crash { fraction, repair_ms } => {
            let crashes = (fraction * n as f64).round() as usize;
            let mut order: Vec<u32> = (0..n).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, (plan.next_u64() % (i as u64 + 1)) as usize);
            }
            for index in order.into_iter().take(crashes) {
                net.crash(index);
            }
            t += repair_ms;
            net.run_until(t);
        }
        ScenarioKind::Partition { .. } => {
            let side: Vec<u8> = (0..n).map(|_| (plan.next_u64() & 1) as u8).collect();
            net.partition(&side);
        }
    }

    net.counting = true;
    let window_start = t;
    let first = net.broadcasts.len();
    let interval = match config.kind {
        ScenarioKind::Partition { duration_ms, .. } => duration_ms / config.broadcasts.max(1) as u64,
        _ => config.broadcast_interval_ms,
    };
    for _ in 0..config.broadcasts {
        let origin = loop {
            let candidate = (plan.next_u64() % n as u64) as u32;
            if net.alive[candidate as usize] && net.joined[candidate as usize] {
                break candidate;
            }
        };
        net.broadcast(origin);
        t += interval;
        net.run_until(t);
    }
    if let ScenarioKind::Partition { duration_ms, max_converge_ms } = config.kind {
        let heal = window_start + duration_ms;
        net.run_until(heal);
        net.heal();
        heal_at = Some(heal);
        if let Some(graph) = &graph {
            for (a, links) in graph.iter().enumerate() {
                for b in links {
                    net.link_up(a as u32, *b);
                }
            }
        }
        t = heal;
        while t < heal + max_converge_ms && missing(&net, first) > 0 {
            t += 500;
            net.run_until(t);
        }
    } else {
        t += config.drain_ms;
        net.run_until(t);
    }
    let window_ms = t - window_start;
    report(config, system, &net, first, window_ms, heal_at)
}

/// Expected deliveries not yet made, over broadcasts from index `first` on.
fn missing<N: SimNode>(net: &Network<N>, first: usize) -> usize {
    net.broadcasts[first..]
        .iter()
        .map(|b| {
            b.deliveries.iter().enumerate().filter(|(i, d)| net.alive[*i] && net.joined[*i] && d.is_none()).count()
        })
        .sum()
}

fn report<N: SimNode>(
    config: &ScenarioConfig,
    system: System,
    net: &Network<N>,
    first: usize,
    window_ms: u64,
    heal_at: Option<u64>,
) -> Report {
    let live: Vec<usize> = (0..net.len()).filter(|i| net.alive[*i] && net.joined[*i]).collect();
    let mut latencies = Vec::new();
    let mut hops = Vec::new();
    let (mut expected, mut delivered) = (0u64, 0u64);
    let mut last_delivery = 0;
    for b in &net.broadcasts[first..] {
        for i in &live {
            if *i == b.origin as usize {
                continue;
            }
            expected += 1;
            if let Some(d) = b.deliveries[*i] {
                delivered += 1;
                latencies.push(d.at_ms - b.at_ms);
                last_delivery = last_delivery.max(d.at_ms);
                if let Some(h) = d.hops {
                    hops.push(h as u64);
                }
            }
        }
    }
    latencies.sort_unstable();
    hops.sort_unstable();
    let degrees: Vec<usize> = live.iter().map(|i| net.nodes[*i].degree()).collect();
    let peers = live.len().max(1) as f64;
    let broadcasts = (net.broadcasts.len() - first).max(1) as f64;
    let sizes: Vec<_> = live.iter().filter_map(|i| net.nodes[*i].sizes()).collect();
    let converge_ms = heal_at.and_then(|heal| (delivered == expected).then(|| last_delivery.saturating_sub(heal)));
    Report {
        system: system.name().to_string(),
        scenario: config.kind.name().to_string(),
        peers: config.peers,
        live_peers: live.len(),
        seed: config.seed,
        broadcasts: net.broadcasts.len() - first,
        delivery_ratio: if expected == 0 { 1.0 } else { delivered as f64 / expected as f64 },
        undelivered: expected - delivered,
        latency_p50_ms: percentile(&latencies, 50.0),
        latency_p99_ms: percentile(&latencies, 99.0),
        hops_p50: percentile(&hops, 50.0),
        hops_p99: percentile(&hops, 99.0),
        hops_max: hops.last().copied().unwrap_or(0),
        payload_per_broadcast_per_n: net.traffic.payload as f64 / broadcasts / peers,
        control_per_peer_per_s: net.traffic.control as f64 / peers / (window_ms.max(1) as f64 / 1000.0),
        sync_messages: net.traffic.sync_messages,
        sync_items: net.traffic.sync_items,
        degree_min: degrees.iter().copied().min().unwrap_or(0),
        degree_avg: degrees.iter().sum::<usize>() as f64 / peers,
        degree_max: degrees.iter().copied().max().unwrap_or(0),
        converge_ms,
        max_passive: sizes.iter().map(|s| s.passive).max().unwrap_or(0),
        max_seen: sizes.iter().map(|s| s.broadcast.seen).max().unwrap_or(0),
        max_missing: sizes.iter().map(|s| s.broadcast.missing).max().unwrap_or(0),
        max_timers: sizes.iter().map(|s| s.timers).max().unwrap_or(0),
        simulated_s: net.now as f64 / 1000.0,
        wall_s: 0.0,
    }
}
