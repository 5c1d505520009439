//! mesh-sim: runs one scenario of the mesh simulator for our mesh and the two baselines (y-webrtc's
//! 20–35 random links with flooding, and flooding on a random graph of the mesh's degree) on the
//! same seeded network, and prints a table plus one JSON line per system.
//!
//! cargo run --profile relay -p amorph-core --example mesh-sim -- --peers 10000 --active 7 --scenario steady

use std::time::Instant;

use amorph_core::sim::{run, ScenarioConfig, ScenarioKind, System};

const HELP: &str = "mesh-sim [options]
  --scenario steady|crash|partition   (default steady)
  --peers N            peers (default 10000)
  --seed S             seed (default 1)
  --systems LIST       comma-separated: mesh,y-webrtc,flooding (default all three)
  --broadcasts B       broadcasts measured (default 50)
  --interval MS        time between broadcasts (default 200; partition: spread over the partition)
  --latency MS         link latency (default 50)
  --jitter MS          uniform jitter, +- (default 10)
  --loss P             frame loss probability (default 0.01)
  --detect MS          time to notice a dead link (default 3000)
  --payload BYTES      payload size (default 256)
  --active N           active view size = degree cap (default 5)
  --passive N          passive view size (default 30)
  --flood-rounds R     push to every neighbor for the first R hops (default from MeshConfig)
  --graft-timeout MS   wait after an IHave before grafting (default from MeshConfig)
  --graft-repairs-tree Plumtree's rule: a graft also makes the link eager (off by default)
  --crash F            crash scenario: fraction of peers that crash at once (default 0.2)
  --repair MS          crash scenario: wait before measuring (default 10000)
  --partition MS       partition scenario: duration (default 60000)
  --join MS / --settle MS / --drain MS   timeline (defaults 20000 / 20000 / 10000)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{HELP}");
        return;
    }
    let command = format!("cargo run --profile relay -p amorph-core --example mesh-sim -- {}", args.join(" "));
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|at| args.get(at + 1)).cloned();
    let num = |name: &str, default: f64| -> f64 {
        get(name).map(|v| v.parse().unwrap_or_else(|_| panic!("{name} needs a number, not {v}"))).unwrap_or(default)
    };
    let scenario = get("--scenario").unwrap_or_else(|| "steady".into());
    let kind = match scenario.as_str() {
        "steady" => ScenarioKind::Steady,
        "crash" => ScenarioKind::Crash { fraction: num("--crash", 0.2), repair_ms: num("--repair", 10_000.0) as u64 },
        "partition" => {
            ScenarioKind::Partition { duration_ms: num("--partition", 60_000.0) as u64, max_converge_ms: 120_000 }
        }
        other => {
            eprintln!("unknown scenario {other}\n{HELP}");
            std::process::exit(2);
        }
    };
    let mut config = ScenarioConfig::new(num("--peers", 10_000.0) as usize, num("--seed", 1.0) as u64, kind);
    config.broadcasts = num("--broadcasts", config.broadcasts as f64) as usize;
    config.broadcast_interval_ms = num("--interval", config.broadcast_interval_ms as f64) as u64;
    config.link.latency_ms = num("--latency", config.link.latency_ms as f64) as u64;
    config.link.jitter_ms = num("--jitter", config.link.jitter_ms as f64) as u64;
    config.link.loss = num("--loss", config.link.loss);
    config.link.detect_ms = num("--detect", config.link.detect_ms as f64) as u64;
    config.payload_bytes = num("--payload", config.payload_bytes as f64) as usize;
    config.join_ms = num("--join", config.join_ms as f64) as u64;
    config.settle_ms = num("--settle", config.settle_ms as f64) as u64;
    config.drain_ms = num("--drain", config.drain_ms as f64) as u64;
    config.mesh.membership.active_max = num("--active", config.mesh.membership.active_max as f64) as usize;
    config.mesh.membership.passive_max = num("--passive", config.mesh.membership.passive_max as f64) as usize;
    let broadcast = &mut config.mesh.broadcast;
    broadcast.flood_rounds = num("--flood-rounds", broadcast.flood_rounds as f64) as u16;
    broadcast.graft_timeout_ms = num("--graft-timeout", broadcast.graft_timeout_ms as f64) as u64;
    if args.iter().any(|a| a == "--graft-repairs-tree") {
        broadcast.graft_repairs_tree = true;
    }

    let systems: Vec<System> = get("--systems")
        .unwrap_or_else(|| "mesh,y-webrtc,flooding".into())
        .split(',')
        .map(|s| match s {
            "mesh" => System::Mesh,
            "y-webrtc" => System::YWebrtc,
            "flooding" => System::Flooding,
            other => {
                eprintln!("unknown system {other}\n{HELP}");
                std::process::exit(2);
            }
        })
        .collect();

    println!("# {command}");
    println!(
        "# scenario {scenario}, {} peers, seed {}, links {} ms +- {} ms, loss {}, {} broadcasts",
        config.peers, config.seed, config.link.latency_ms, config.link.jitter_ms, config.link.loss, config.broadcasts
    );
    let mut reports = Vec::new();
    for system in systems {
        let started = Instant::now();
        let mut report = run(&config, system);
        report.wall_s = started.elapsed().as_secs_f64();
        reports.push(report);
    }
    println!("{}", amorph_core::sim::Report::table_header());
    for report in &reports {
        println!("{}", report.table_row());
    }
    for report in &reports {
        println!("{}", report.json_line(&command));
    }
}
