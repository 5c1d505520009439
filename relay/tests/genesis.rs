//! The relay founds its swarm: `/genesis` serves a genesis any peer admits, `/health` names it, a
//! restart on the same data directory serves the same one, and a damaged `genesis.bin` stops the
//! relay with a message naming the file (the file left as it was).

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use amorph_core::events::{Event, SignedEvent};
use amorph_core::wire::EventId;

use support::{app_dir, run_to_exit, Relay, TempDir};

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).expect("clock after 1970")
}

/// `GET /genesis`, checked as a browser tab checks it.
async fn served_genesis(relay: &Relay) -> (SignedEvent, Vec<u8>) {
    let (status, headers, body) = relay.get_bytes("/genesis").await;
    assert_eq!(status, 200);
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(header("content-type"), Some("application/octet-stream"));
    assert_eq!(header("access-control-allow-origin"), Some("*"), "a tab of another origin may check it (invites)");
    let genesis = SignedEvent::admit(&body, now_ms()).expect("the served genesis admits");
    assert_eq!(genesis.envelope.swarm, EventId::NONE, "a genesis names no swarm");
    (genesis, body)
}

#[tokio::test]
async fn the_relay_founds_its_swarm_once_and_serves_it_across_restarts() {
    let (app, data) = (app_dir(), TempDir::new("data"));
    let relay = Relay::start(&app.0, &data.0, &["--swarm-name", "Test swarm"]);
    let (genesis, bytes) = served_genesis(&relay).await;
    match &genesis.event {
        Event::Genesis(rules) => {
            assert_eq!(rules.name, "Test swarm");
            assert_eq!(rules.issuers, vec![genesis.author()], "the relay founds and issues");
        }
        other => panic!("/genesis served a {} event", other.kind_name()),
    }
    assert_eq!(relay.health().await["swarm"], genesis.id.to_hex());
    assert_eq!(std::fs::read(data.0.join("genesis.bin")).expect("genesis.bin written"), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let seed = std::fs::metadata(data.0.join("identity.seed")).expect("identity.seed written");
        assert_eq!(seed.permissions().mode() & 0o777, 0o600, "the seed is private");
    }
    drop(relay);

    let again = Relay::start(&app.0, &data.0, &["--swarm-name", "Ignored once founded"]);
    let (reloaded, reloaded_bytes) = served_genesis(&again).await;
    assert_eq!((reloaded.id, reloaded_bytes), (genesis.id, bytes), "a restart serves the same genesis");
    assert_eq!(again.health().await["swarm"], genesis.id.to_hex());

    let elsewhere = TempDir::new("other-data");
    let other = Relay::start(&app.0, &elsewhere.0, &[]);
    let (theirs, _) = served_genesis(&other).await;
    assert_ne!(theirs.id, genesis.id, "another data directory founds another swarm");
}

#[test]
fn a_corrupt_genesis_stops_the_relay_with_a_message_naming_the_file() {
    let (app, data) = (app_dir(), TempDir::new("data"));
    drop(Relay::start(&app.0, &data.0, &[]));
    let genesis_file = data.0.join("genesis.bin");
    std::fs::write(&genesis_file, b"not an envelope").expect("damage genesis.bin");

    let output = run_to_exit(&app.0, &data.0);
    assert!(!output.status.success(), "the relay started on a corrupt genesis.bin");
    assert!(output.stdout.is_empty(), "no startup line before the data directory is read");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&genesis_file.display().to_string()), "the message names the file: {stderr}");
    assert_eq!(std::fs::read(&genesis_file).expect("still there"), b"not an envelope", "never overwritten");
}
