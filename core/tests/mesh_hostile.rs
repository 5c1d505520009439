//! A mesh peer fed by hand: neighbor events, direct messages, and hostile input (malformed and
//! oversized frames, thousands of fake peers in walks and shuffles, frames from strangers).

use amorph_core::identity::PeerId;
use amorph_core::mesh::wire::encode;
use amorph_core::mesh::{Frame, FrameKind, Mesh, MeshConfig, MeshEvent, MessageId, Offence, Output, SendError};

fn peer(n: u32) -> PeerId {
    let mut bytes = [7u8; 32];
    bytes[..4].copy_from_slice(&n.to_le_bytes());
    PeerId(bytes)
}

fn drain(mesh: &mut Mesh) -> Vec<Output> {
    std::iter::from_fn(|| mesh.poll_output()).collect()
}

/// Delivers every frame between two meshes until both are quiet; returns the events each saw.
fn pump(a: &mut Mesh, b: &mut Mesh, now: u64) -> (Vec<MeshEvent>, Vec<MeshEvent>) {
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let (oa, ob) = (drain(a), drain(b));
        if oa.is_empty() && ob.is_empty() {
            break;
        }
        let (ida, idb) = (a.me(), b.me());
        for output in oa {
            match output {
                Output::Transmit { to, bytes, .. } if to == idb => b.handle_frame(ida, &bytes, now),
                Output::Event(event) => ea.push(event),
                _ => {}
            }
        }
        for output in ob {
            match output {
                Output::Transmit { to, bytes, .. } if to == ida => a.handle_frame(idb, &bytes, now),
                Output::Event(event) => eb.push(event),
                _ => {}
            }
        }
    }
    (ea, eb)
}

/// `a` founds a swarm and `b` joins it: both see the other come up.
fn linked_pair() -> (Mesh, Mesh) {
    let mut a = Mesh::new(peer(1), MeshConfig::default(), [1; 32]);
    let mut b = Mesh::new(peer(2), MeshConfig::default(), [2; 32]);
    a.join(&[], 0);
    b.join(&[a.me()], 0);
    let (ea, eb) = pump(&mut a, &mut b, 10);
    assert!(ea.contains(&MeshEvent::NeighborUp(b.me())), "{ea:?}");
    assert!(eb.contains(&MeshEvent::NeighborUp(a.me())), "{eb:?}");
    (a, b)
}

#[test]
fn a_joined_pair_broadcasts_and_talks_directly() {
    let (mut a, mut b) = linked_pair();
    let id = MessageId([9; 32]);
    assert_eq!(a.broadcast(id, b"event".to_vec(), 20), Ok(true));
    assert_eq!(a.broadcast(id, b"event".to_vec(), 21), Ok(false), "an id goes out once");
    let (_, eb) = pump(&mut a, &mut b, 30);
    assert!(eb.contains(&MeshEvent::Received { id, payload: b"event".to_vec(), from: a.me(), hops: 1 }), "{eb:?}");

    b.send_direct(a.me(), b"sync step 1".to_vec()).expect("a neighbor");
    let (ea, _) = pump(&mut a, &mut b, 40);
    assert_eq!(ea, vec![MeshEvent::Direct { from: b.me(), payload: b"sync step 1".to_vec() }]);

    assert_eq!(a.send_direct(peer(99), vec![1]), Err(SendError::NotNeighbor(peer(99))));
    let too_big = vec![0; a.config().wire.max_payload + 1];
    assert!(matches!(a.broadcast(MessageId([1; 32]), too_big, 50), Err(SendError::TooLarge { .. })));
}

#[test]
fn a_lost_link_goes_down_and_is_reported() {
    let (mut a, b) = linked_pair();
    a.handle_link_down(b.me(), 100);
    let events: Vec<_> =
        drain(&mut a).into_iter().filter_map(|o| if let Output::Event(e) = o { Some(e) } else { None }).collect();
    assert!(events.contains(&MeshEvent::NeighborDown(b.me())), "{events:?}");
    assert!(a.active().is_empty());
}

#[test]
fn malformed_and_oversized_frames_are_counted_not_fatal() {
    let (mut a, b) = linked_pair();
    let before = a.sizes();
    a.handle_frame(b.me(), &[0xff, 0xff, 0xff, 0xff], 100);
    a.handle_frame(b.me(), &[], 100);
    let mut trailing = encode(&Frame::Prune);
    trailing.push(1);
    a.handle_frame(b.me(), &trailing, 100);
    a.handle_frame(b.me(), &vec![0u8; 1 << 20], 100);
    let long = Frame::IHave { ids: (0..1_000u32).map(|n| (MessageId([n as u8; 32]), 1)).collect() };
    a.handle_frame(b.me(), &encode(&long), 100);
    let counters = a.penalties(&b.me()).copied().expect("counted");
    assert_eq!(counters.malformed, 3);
    assert_eq!(counters.oversized, 2);
    assert_eq!(a.sizes().broadcast, before.broadcast, "bad frames changed no state");
    assert_eq!(a.active(), &[b.me()], "the link stays: dropping is the app's decision");
}

#[test]
fn thousands_of_fake_peers_leave_the_views_bounded_and_the_sender_counted() {
    let (mut a, b) = linked_pair();
    let config = a.config().clone();
    // A neighbor introducing 5,000 made-up peers by forward-join, at every TTL.
    for n in 0..5_000u32 {
        let frame = Frame::ForwardJoin { peer: peer(1_000 + n), ttl: (n % 7) as u8 };
        a.handle_frame(b.me(), &encode(&frame), 200 + n as u64 / 100);
        let sizes = a.sizes();
        assert!(sizes.passive <= config.membership.passive_max);
        assert!(sizes.pending <= config.membership.active_max);
        drain(&mut a);
    }
    // Shuffles listing more peers than a shuffle may carry, or with a forged path.
    for n in 0..100u32 {
        let peers: Vec<PeerId> = (0..16).map(|k| peer(100_000 + n * 16 + k)).collect();
        let frame = Frame::Shuffle { origin: b.me(), ttl: 0, path: vec![b.me()], peers };
        a.handle_frame(b.me(), &encode(&frame), 300);
    }
    let forged = Frame::Shuffle { origin: peer(5), ttl: 0, path: vec![peer(6)], peers: vec![peer(7)] };
    a.handle_frame(b.me(), &encode(&forged), 300);
    drain(&mut a);
    let sizes = a.sizes();
    assert!(sizes.passive <= config.membership.passive_max && sizes.active <= config.membership.active_max);
    assert!(sizes.timers < 100, "{sizes:?}");
    let counters = a.penalties(&b.me()).copied().expect("counted");
    assert!(counters.fake_peers >= 5_000 - config.membership.max_walks_per_interval, "{counters:?}");
}

#[test]
fn strangers_cannot_use_neighbor_only_frames() {
    let (mut a, _b) = linked_pair();
    let stranger = peer(77);
    a.handle_frame(stranger, &encode(&Frame::IHave { ids: vec![(MessageId([3; 32]), 1)] }), 100);
    a.handle_frame(stranger, &encode(&Frame::Graft { id: Some(MessageId([3; 32])), round: 1 }), 100);
    a.handle_frame(stranger, &encode(&Frame::Direct { payload: vec![1] }), 100);
    a.handle_frame(stranger, &encode(&Frame::ForwardJoin { peer: peer(78), ttl: 0 }), 100);
    assert_eq!(a.penalties(&stranger).map(|c| c.not_neighbor), Some(4));
    assert_eq!(a.sizes().broadcast.missing, 0, "a stranger's announcement is not followed");
    let outputs = drain(&mut a);
    assert!(!outputs.iter().any(|o| matches!(o, Output::Event(_))), "{outputs:?}");
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::Transmit { kind: FrameKind::Graft | FrameKind::Gossip, .. })),
        "{outputs:?}"
    );
}

#[test]
fn an_announced_payload_that_never_comes_is_counted_against_the_announcer() {
    let (mut a, b) = linked_pair();
    let id = MessageId([42; 32]);
    a.handle_frame(b.me(), &encode(&Frame::IHave { ids: vec![(id, 1)] }), 1_000);
    let mut now = 1_000;
    let mut grafted = false;
    while now < 5_000 {
        now = a.poll_timeout().unwrap_or(now + 100).max(now + 1);
        a.handle_timeout(now);
        grafted |= drain(&mut a).iter().any(|o| matches!(o, Output::Transmit { kind: FrameKind::Graft, .. }));
    }
    assert!(grafted);
    assert!(a.penalties(&b.me()).is_some_and(|c| c.unanswered_grafts >= 1));
    assert_eq!(a.sizes().broadcast.missing, 0, "given up after the last announcer");
}

#[test]
fn what_the_app_refuses_is_counted_with_the_mesh_offences() {
    let mut mesh = Mesh::new(peer(1), MeshConfig::default(), [1; 32]);
    mesh.report(peer(2), Offence::Malformed, 10);
    mesh.report(peer(2), Offence::Oversized, 20);
    let counters = mesh.penalties(&peer(2)).expect("peer 2 is counted");
    assert_eq!((counters.malformed, counters.oversized, counters.last_ms), (1, 1, 20));
    assert!(mesh.penalties(&peer(3)).is_none());
}
