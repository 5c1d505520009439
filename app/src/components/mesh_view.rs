//! The mesh around this tab, drawn: this tab in the middle, its neighbours (the active view) on
//! the inner ring with their round-trip times, contacts kept in reserve (the passive view) and
//! peers only its neighbours are linked with on the outer ring, and every link it knows of.
//! The counts beside it say the same for screen readers.

use std::collections::BTreeMap;
use std::f64::consts::TAU;

use amorph_core::identity::PeerId;
use leptos::prelude::*;

use crate::ui_state::{MeshView, Ui};

const SIZE: f64 = 320.0;
const CENTRE: f64 = SIZE / 2.0;
const INNER: f64 = 85.0;
const OUTER: f64 = 140.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Me,
    Active,
    Passive,
    /// Linked with a neighbour, not known to this tab otherwise.
    Known,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Me => "me",
            Role::Active => "active",
            Role::Passive => "passive",
            Role::Known => "known",
        }
    }
}

struct Node {
    peer: PeerId,
    role: Role,
    x: f64,
    y: f64,
}

struct Edge {
    from: PeerId,
    to: PeerId,
    /// A link of this tab's (with its round-trip time), or one a neighbour holds.
    own: bool,
    rtt_ms: Option<u32>,
}

fn ring(peers: &[(PeerId, Role)], radius: f64, turn: f64) -> Vec<Node> {
    let step = TAU / peers.len().max(1) as f64;
    peers
        .iter()
        .enumerate()
        .map(|(i, (peer, role))| {
            let angle = turn + step * i as f64;
            Node { peer: *peer, role: *role, x: CENTRE + radius * angle.cos(), y: CENTRE + radius * angle.sin() }
        })
        .collect()
}

fn layout(me: PeerId, view: &MeshView) -> (Vec<Node>, Vec<Edge>) {
    let inner: Vec<(PeerId, Role)> = view.active.iter().map(|(p, _)| (*p, Role::Active)).collect();
    let mut outer: Vec<(PeerId, Role)> = view.passive.iter().map(|p| (*p, Role::Passive)).collect();
    let placed =
        |peer: &PeerId, outer: &[(PeerId, Role)]| *peer == me || inner.iter().chain(outer).any(|(p, _)| p == peer);
    for (_, links) in &view.known {
        for peer in links {
            if !placed(peer, &outer) {
                outer.push((*peer, Role::Known));
            }
        }
    }
    let mut nodes = vec![Node { peer: me, role: Role::Me, x: CENTRE, y: CENTRE }];
    nodes.extend(ring(&inner, INNER, -TAU / 4.0));
    nodes.extend(ring(&outer, OUTER, -TAU / 4.0 + 0.3));
    let mut edges: Vec<Edge> =
        view.active.iter().map(|(peer, rtt_ms)| Edge { from: me, to: *peer, own: true, rtt_ms: *rtt_ms }).collect();
    for (neighbor, links) in &view.known {
        for peer in links.iter().filter(|p| **p != me) {
            // A link between two neighbours is drawn once.
            let seen = edges.iter().any(|e| e.from == *peer && e.to == *neighbor);
            if !seen {
                edges.push(Edge { from: *neighbor, to: *peer, own: false, rtt_ms: None });
            }
        }
    }
    (nodes, edges)
}

#[component]
pub fn MeshPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let drawing = move || {
        let me = ui.me.get()?;
        let view = ui.mesh.get();
        let (nodes, edges) = layout(me, &view);
        let at: BTreeMap<PeerId, (f64, f64)> = nodes.iter().map(|n| (n.peer, (n.x, n.y))).collect();
        let edges = edges
            .into_iter()
            .filter_map(|edge| {
                let ((x1, y1), (x2, y2)) = (*at.get(&edge.from)?, *at.get(&edge.to)?);
                let label = edge.rtt_ms.map(|ms| {
                    view! { <text class="mesh-rtt" x=(x1 + x2) / 2.0 y=(y1 + y2) / 2.0 - 3.0>{format!("{ms} ms")}</text> }
                });
                Some(view! {
                    <g data-testid="mesh-edge" data-from=edge.from.to_did() data-to=edge.to.to_did() data-own=edge.own.to_string()>
                        <line class=if edge.own { "mesh-link own" } else { "mesh-link" } x1=x1 y1=y1 x2=x2 y2=y2 />
                        {label}
                    </g>
                })
            })
            .collect_view();
        let nodes = nodes
            .into_iter()
            .map(|node| {
                let radius = if node.role == Role::Me { 9.0 } else { 6.0 };
                view! {
                    <circle
                        data-testid="mesh-node"
                        data-did=node.peer.to_did()
                        data-role=node.role.name()
                        class=format!("mesh-node {}", node.role.name())
                        cx=node.x
                        cy=node.y
                        r=radius
                    >
                        <title>{format!("{} ({})", node.peer.to_did(), node.role.name())}</title>
                    </circle>
                }
            })
            .collect_view();
        Some(view! {
            <svg class="mesh-graph" viewBox=format!("0 0 {SIZE} {SIZE}") role="img" aria-labelledby="mesh-heading">
                {edges}
                {nodes}
            </svg>
        })
    };
    view! {
        <section class="card mesh-card" aria-labelledby="mesh-heading">
            <h2 id="mesh-heading">"Mesh"</h2>
            {drawing}
            <p class="small">
                "Neighbours " <strong data-testid="mesh-active-count">{move || ui.mesh.with(|m| m.active.len())}</strong>
                " · in reserve " <strong data-testid="mesh-passive-count">{move || ui.mesh.with(|m| m.passive.len())}</strong>
                " · refused " <strong data-testid="mesh-refusals">{move || ui.mesh.with(|m| m.refusals)}</strong>
            </p>
        </section>
    }
}
