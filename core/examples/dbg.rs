use amorph_core::mesh::{Mesh, MeshConfig};
use amorph_core::sim::*;
use rand_chacha::rand_core::{RngCore, SeedableRng};
fn idx(p: &amorph_core::identity::PeerId) -> usize {
    u32::from_le_bytes([p.0[0], p.0[1], p.0[2], p.0[3]]) as usize
}
fn main() {
    let n = 150u32;
    let nodes: Vec<Mesh> = (0..n)
        .map(|i| {
            Mesh::new(peer_id(i), MeshConfig::default(), {
                let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(4 ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let mut b = [0u8; 32];
                r.fill_bytes(&mut b);
                b
            })
        })
        .collect();
    let mut net = Network::new(nodes, LinkModel::default(), 4, 64);
    let mut plan = rand_chacha::ChaCha8Rng::seed_from_u64(4 + 7);
    net.join(0, &[]);
    for i in 1..n {
        net.run_until(5000 * i as u64 / n as u64);
        let c = (plan.next_u64() % i as u64) as u32;
        net.join(i, &[c]);
    }
    net.run_until(15_000);
    for i in [80usize, 96, 117, 149] {
        let m = &net.nodes[i];
        println!(
            "before: node {i} active {:?} passive {:?} hist {:?}",
            m.active().iter().map(idx).collect::<Vec<_>>(),
            m.passive().iter().map(idx).collect::<Vec<_>>(),
            m.history().iter().map(idx).collect::<Vec<_>>()
        );
    }
    let mut order: Vec<u32> = (0..n).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, (plan.next_u64() % (i as u64 + 1)) as usize);
    }
    for x in order.iter().take(30) {
        net.crash(*x);
    }
    println!("crashed {:?}", &order[..30]);
    for s in 0..12 {
        net.run_until(15_000 + s * 1000);
        for i in 0..n as usize {
            let m = &net.nodes[i];
            if net.alive[i] && m.active().len() <= 1 {
                println!(
                    "t={} node {i} active {:?} pending {} passive {} (alive {}) hist alive {} contacts alive {:?}",
                    net.now,
                    m.active().iter().map(idx).collect::<Vec<_>>(),
                    m.sizes().pending,
                    m.passive().len(),
                    m.passive().iter().filter(|p| net.alive[idx(p)]).count(),
                    m.history().iter().filter(|p| net.alive[idx(p)]).count(),
                    m.contacts().iter().map(|p| net.alive[idx(p)]).collect::<Vec<_>>()
                );
            }
        }
    }
}
