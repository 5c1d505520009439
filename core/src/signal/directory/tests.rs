//! One test per rule of the relay directory, driven with real Ed25519 signatures.

use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::identity::Identity;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

fn drain(directory: &mut Directory) -> Vec<Output> {
    std::iter::from_fn(|| directory.poll_output()).collect()
}

fn error(conn: ConnId, code: ErrorCode) -> impl Fn(&Output) -> bool {
    move |output| matches!(output, Output::Send { conn: c, message: RelayMessage::Error { code: k, .. } } if *c == conn && *k == code)
}

fn close(conn: ConnId, code: ErrorCode) -> Output {
    Output::Close { conn, code }
}

/// Connects `conn` and returns the challenge nonce it was sent.
fn connect(directory: &mut Directory, conn: u64, addr: IpAddr) -> String {
    directory.handle_connect(ConnId(conn), addr, [conn as u8; 16], 0);
    match drain(directory).as_slice() {
        [Output::Send { conn: c, message: RelayMessage::Challenge { nonce } }] if *c == ConnId(conn) => nonce.clone(),
        other => panic!("expected one challenge, got {other:?}"),
    }
}

fn join_frame(identity: &Identity, nonce: &str) -> String {
    let signature = hex::encode(identity.sign(&join_proof_bytes(nonce)));
    serde_json::to_string(&ClientMessage::Join { peer: identity.peer_id().to_did(), signature }).unwrap()
}

/// Connects and joins `conn` as `identity`; returns the peers listed in its Welcome.
fn join(directory: &mut Directory, conn: u64, identity: &Identity, now_ms: u64) -> Vec<String> {
    let nonce = connect(directory, conn, ip(conn as u8));
    directory.handle_frame(ConnId(conn), &join_frame(identity, &nonce), now_ms);
    match drain(directory).as_slice() {
        [Output::Send { message: RelayMessage::Welcome { you, peers }, .. }] => {
            assert_eq!(*you, identity.peer_id().to_did());
            peers.clone()
        }
        other => panic!("expected a welcome, got {other:?}"),
    }
}

fn offer_to(identity: &Identity) -> String {
    let payload = SignalPayload::Offer { sdp: "v=0".into() };
    serde_json::to_string(&ClientMessage::Signal { to: identity.peer_id().to_did(), payload }).unwrap()
}

fn id(seed: u8) -> Identity {
    Identity::from_seed([seed; 32])
}

#[test]
fn connect_sends_a_hex_challenge() {
    let mut directory = Directory::new(DirectoryLimits::default());
    let nonce = connect(&mut directory, 1, ip(1));
    assert_eq!(nonce, "01".repeat(16));
    assert_eq!(directory.counters().connections, 1);
}

#[test]
fn connections_per_address_are_limited() {
    let limits = DirectoryLimits { max_connections_per_ip: 2, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    connect(&mut directory, 1, ip(1));
    connect(&mut directory, 2, ip(1));
    directory.handle_connect(ConnId(3), ip(1), [3; 16], 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(3), ErrorCode::TooManyConnections)(&out[0]));
    assert_eq!(out[1], close(ConnId(3), ErrorCode::TooManyConnections));
    connect(&mut directory, 4, ip(2));
    directory.handle_disconnect(ConnId(1));
    connect(&mut directory, 5, ip(1));
    assert_eq!(directory.counters().refused.too_many_connections, 1);
    assert_eq!(directory.counters().connections, 3);
}

#[test]
fn welcome_lists_recent_peers_newest_first() {
    let limits = DirectoryLimits { welcome_peers: 2, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    assert!(join(&mut directory, 1, &id(1), 0).is_empty());
    assert_eq!(join(&mut directory, 2, &id(2), 0), vec![id(1).peer_id().to_did()]);
    join(&mut directory, 3, &id(3), 0);
    let peers = join(&mut directory, 4, &id(4), 0);
    assert_eq!(peers, vec![id(3).peer_id().to_did(), id(2).peer_id().to_did()]);
    assert_eq!(directory.counters().peers, 4);
}

#[test]
fn bad_joins_are_refused_and_the_connection_may_retry() {
    let mut directory = Directory::new(DirectoryLimits::default());
    let nonce = connect(&mut directory, 1, ip(1));
    let alice = id(1);
    let did = alice.peer_id().to_did();
    let good = hex::encode(alice.sign(&join_proof_bytes(&nonce)));
    let other_nonce = hex::encode(alice.sign(&join_proof_bytes("00")));
    let by_bob = hex::encode(id(2).sign(&join_proof_bytes(&nonce)));
    let attempts = [
        ("did:web:example.com", good.as_str()),
        (did.as_str(), "zz"),
        (did.as_str(), &good[..64]),
        (did.as_str(), other_nonce.as_str()),
        (did.as_str(), by_bob.as_str()),
    ];
    for (peer, signature) in attempts {
        let frame =
            serde_json::to_string(&ClientMessage::Join { peer: peer.into(), signature: signature.into() }).unwrap();
        directory.handle_frame(ConnId(1), &frame, 0);
        let out = drain(&mut directory);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(error(ConnId(1), ErrorCode::BadJoin)(&out[0]), "{peer} {signature}: {out:?}");
    }
    assert_eq!(directory.counters().refused.bad_join, 5);
    directory.handle_frame(ConnId(1), &join_frame(&alice, &nonce), 0);
    assert!(matches!(drain(&mut directory).as_slice(), [Output::Send { message: RelayMessage::Welcome { .. }, .. }]));
}

#[test]
fn a_connection_joins_only_once() {
    let mut directory = Directory::new(DirectoryLimits::default());
    join(&mut directory, 1, &id(1), 0);
    directory.handle_frame(ConnId(1), &join_frame(&id(2), &"01".repeat(16)), 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(1), ErrorCode::BadJoin)(&out[0]), "{out:?}");
    assert_eq!(directory.counters().peers, 1);
}

#[test]
fn joining_again_replaces_the_older_connection() {
    let mut directory = Directory::new(DirectoryLimits::default());
    let alice = id(1);
    join(&mut directory, 1, &alice, 0);
    join(&mut directory, 9, &id(9), 0);
    let nonce = connect(&mut directory, 2, ip(2));
    directory.handle_frame(ConnId(2), &join_frame(&alice, &nonce), 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(1), ErrorCode::Replaced)(&out[0]), "{out:?}");
    assert_eq!(out[1], close(ConnId(1), ErrorCode::Replaced));
    assert!(
        matches!(&out[2], Output::Send { conn: ConnId(2), message: RelayMessage::Welcome { peers, .. } } if *peers == vec![id(9).peer_id().to_did()])
    );
    // The adapter reports the old socket gone later; that must not unregister the new one.
    directory.handle_disconnect(ConnId(1));
    directory.handle_frame(ConnId(9), &offer_to(&alice), 0);
    assert!(matches!(drain(&mut directory).as_slice(), [Output::Send { conn: ConnId(2), .. }]));
    assert_eq!(directory.counters().peers, 2);
    assert_eq!(directory.counters().connections, 2);
}

#[test]
fn signals_need_a_join() {
    let mut directory = Directory::new(DirectoryLimits::default());
    join(&mut directory, 1, &id(1), 0);
    connect(&mut directory, 2, ip(2));
    directory.handle_frame(ConnId(2), &offer_to(&id(1)), 0);
    let out = drain(&mut directory);
    assert_eq!(out.len(), 1);
    assert!(error(ConnId(2), ErrorCode::NotJoined)(&out[0]), "{out:?}");
}

#[test]
fn signals_are_forwarded_to_joined_peers_only() {
    let mut directory = Directory::new(DirectoryLimits::default());
    let (alice, bob) = (id(1), id(2));
    join(&mut directory, 1, &alice, 0);
    join(&mut directory, 2, &bob, 0);
    directory.handle_frame(ConnId(1), &offer_to(&bob), 0);
    let expected =
        RelayMessage::Signal { from: alice.peer_id().to_did(), payload: SignalPayload::Offer { sdp: "v=0".into() } };
    assert_eq!(drain(&mut directory), vec![Output::Send { conn: ConnId(2), message: expected }]);

    directory.handle_frame(ConnId(1), &offer_to(&id(3)), 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(1), ErrorCode::UnknownPeer)(&out[0]), "{out:?}");
    let to_garbage = r#"{"type":"signal","to":"nobody","payload":{"kind":"answer","sdp":""}}"#;
    directory.handle_frame(ConnId(1), to_garbage, 0);
    assert!(error(ConnId(1), ErrorCode::UnknownPeer)(&drain(&mut directory)[0]));

    directory.handle_disconnect(ConnId(2));
    directory.handle_frame(ConnId(1), &offer_to(&bob), 0);
    assert!(error(ConnId(1), ErrorCode::UnknownPeer)(&drain(&mut directory)[0]));
    assert_eq!(directory.counters().refused.unknown_peer, 3);
    assert_eq!(directory.counters().peers, 1);
}

#[test]
fn oversized_frames_close_the_connection() {
    let limits = DirectoryLimits { max_frame_bytes: 300, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    join(&mut directory, 1, &id(1), 0);
    directory.handle_frame(ConnId(1), &"x".repeat(301), 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(1), ErrorCode::TooLarge)(&out[0]), "{out:?}");
    assert_eq!(out[1], close(ConnId(1), ErrorCode::TooLarge));
    // Frames that were already in flight are ignored; the peer is gone.
    directory.handle_frame(ConnId(1), "{}", 0);
    assert!(drain(&mut directory).is_empty());
    let counters = directory.counters();
    assert_eq!((counters.connections, counters.peers, counters.refused.too_large), (0, 0, 1));
}

#[test]
fn frames_beyond_the_token_bucket_are_dropped_with_one_warning() {
    let limits = DirectoryLimits { frames_per_second: 2, frame_burst: 3, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    connect(&mut directory, 1, ip(1));
    for _ in 0..3 {
        directory.handle_frame(ConnId(1), "not json", 0);
        assert!(error(ConnId(1), ErrorCode::BadMessage)(&drain(&mut directory)[0]));
    }
    directory.handle_frame(ConnId(1), "not json", 0);
    let out = drain(&mut directory);
    assert_eq!(out.len(), 1);
    assert!(error(ConnId(1), ErrorCode::RateLimited)(&out[0]), "{out:?}");
    directory.handle_frame(ConnId(1), "not json", 400);
    assert!(drain(&mut directory).is_empty(), "a flood gets one warning");
    // 2 frames per second: one token is back 500 ms after the bucket ran dry.
    directory.handle_frame(ConnId(1), "not json", 500);
    assert!(error(ConnId(1), ErrorCode::BadMessage)(&drain(&mut directory)[0]));
    directory.handle_frame(ConnId(1), "not json", 500);
    assert!(error(ConnId(1), ErrorCode::RateLimited)(&drain(&mut directory)[0]), "warned again after a pass");
    assert_eq!(directory.counters().refused.rate_limited, 3);
}

#[test]
fn malformed_frames_get_bad_message_and_keep_the_connection() {
    let mut directory = Directory::new(DirectoryLimits::default());
    let nonce = connect(&mut directory, 1, ip(1));
    for frame in ["", "{", r#"{"type":"shout"}"#, r#"{"type":"join","peer":"x"}"#] {
        directory.handle_frame(ConnId(1), frame, 0);
        let out = drain(&mut directory);
        assert_eq!(out.len(), 1, "{frame}: {out:?}");
        assert!(error(ConnId(1), ErrorCode::BadMessage)(&out[0]), "{frame}: {out:?}");
    }
    directory.handle_frame(ConnId(1), &join_frame(&id(1), &nonce), 0);
    assert!(matches!(drain(&mut directory).as_slice(), [Output::Send { message: RelayMessage::Welcome { .. }, .. }]));
    assert_eq!(directory.counters().refused.bad_message, 4);
}

#[test]
fn joins_beyond_max_peers_are_refused_but_rejoins_are_not() {
    let limits = DirectoryLimits { max_peers: 1, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    join(&mut directory, 1, &id(1), 0);
    let nonce = connect(&mut directory, 2, ip(2));
    directory.handle_frame(ConnId(2), &join_frame(&id(2), &nonce), 0);
    let out = drain(&mut directory);
    assert!(error(ConnId(2), ErrorCode::RelayFull)(&out[0]), "{out:?}");
    assert_eq!(out[1], close(ConnId(2), ErrorCode::RelayFull));
    let nonce = connect(&mut directory, 3, ip(3));
    directory.handle_frame(ConnId(3), &join_frame(&id(1), &nonce), 0);
    let out = drain(&mut directory);
    assert_eq!(out[1], close(ConnId(1), ErrorCode::Replaced));
    assert!(matches!(&out[2], Output::Send { conn: ConnId(3), message: RelayMessage::Welcome { .. } }));
}

#[test]
fn disconnect_forgets_everything() {
    let mut directory = Directory::new(DirectoryLimits::default());
    join(&mut directory, 1, &id(1), 0);
    join(&mut directory, 2, &id(2), 0);
    directory.handle_disconnect(ConnId(1));
    directory.handle_disconnect(ConnId(1));
    directory.handle_frame(ConnId(1), &offer_to(&id(2)), 0);
    assert!(drain(&mut directory).is_empty());
    assert!(join(&mut directory, 3, &id(3), 0) == vec![id(2).peer_id().to_did()]);
    let counters = directory.counters();
    assert_eq!((counters.connections, counters.peers), (2, 2));
}

#[test]
fn counters_serialize_with_wire_code_names() {
    let json = serde_json::to_value(Counters::default()).unwrap();
    let refused = json["refused"].as_object().unwrap();
    for code in [ErrorCode::BadMessage, ErrorCode::RelayFull, ErrorCode::TooManyConnections] {
        let name = serde_json::to_value(code).unwrap();
        assert!(refused.contains_key(name.as_str().unwrap()), "{name}");
    }
}

#[test]
fn binary_frames_need_a_join_and_a_sane_size() {
    let mut directory = Directory::new(DirectoryLimits::default());
    connect(&mut directory, 1, ip(1));
    assert_eq!(directory.admit_binary(ConnId(1), 10, 0), Err(ErrorCode::NotJoined));
    assert!(error(ConnId(1), ErrorCode::NotJoined)(&drain(&mut directory)[0]));
    join(&mut directory, 2, &id(2), 0);
    assert_eq!(directory.admit_binary(ConnId(2), MAX_SYNC_MESSAGE_BYTES, 0), Ok(id(2).peer_id()));
    assert!(drain(&mut directory).is_empty());
    assert_eq!(directory.joined_connections().collect::<Vec<_>>(), vec![(id(2).peer_id(), ConnId(2))]);
    assert_eq!(directory.admit_binary(ConnId(2), MAX_SYNC_MESSAGE_BYTES + 1, 0), Err(ErrorCode::TooLarge));
    let out = drain(&mut directory);
    assert!(error(ConnId(2), ErrorCode::TooLarge)(&out[0]), "{out:?}");
    assert_eq!(out[1], close(ConnId(2), ErrorCode::TooLarge));
    assert_eq!(directory.joined_connections().count(), 0);
}

#[test]
fn binary_frames_share_the_token_bucket() {
    let limits = DirectoryLimits { frames_per_second: 1, frame_burst: 2, ..DirectoryLimits::default() };
    let mut directory = Directory::new(limits);
    join(&mut directory, 1, &id(1), 0);
    // The join took one token; one binary frame is left in the burst.
    assert!(directory.admit_binary(ConnId(1), 8, 0).is_ok());
    assert_eq!(directory.admit_binary(ConnId(1), 8, 0), Err(ErrorCode::RateLimited));
    assert!(error(ConnId(1), ErrorCode::RateLimited)(&drain(&mut directory)[0]));
    directory.handle_frame(ConnId(1), "not json", 0);
    assert!(drain(&mut directory).is_empty(), "a text frame finds the same empty bucket");
    assert!(directory.admit_binary(ConnId(1), 8, 1_000).is_ok());
}
