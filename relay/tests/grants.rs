//! Welcome grants: with `--grant-newcomers`, a newcomer's welcome brings a grant the swarm's
//! economy counts; an identity gets one grant, even across relay restarts; one IP address gets
//! `--grants-per-ip-per-day` of them; without the flag nobody gets any.

mod support;

use amorph_core::economy::Economy;
use amorph_core::events::{Event, SignedEvent};
use amorph_core::identity::Identity;

use support::{app_dir, served_genesis, stop, Relay, Tab, TempDir};

const GRANT: &[&str] = &["--grant-newcomers", "100"];

/// `seed`'s balance in `tab`'s copy of the swarm.
fn balance(tab: &Tab, genesis: &SignedEvent, seed: u8) -> u64 {
    let views = Economy::derive(genesis, tab.store.events()).expect("the economy folds");
    views.balance(&Identity::from_seed([seed; 32]).peer_id())
}

/// Welcome grants in `tab`'s store.
fn grants(tab: &Tab) -> usize {
    tab.store.events().filter(|e| matches!(&e.event, Event::Grant(g) if g.memo == "welcome grant")).count()
}

async fn events(relay: &Relay) -> u64 {
    relay.health().await["events"].as_u64().expect("a count of events")
}

#[tokio::test]
async fn a_newcomer_gets_one_grant_that_outlives_a_restart() {
    let (app, data) = (app_dir(), TempDir::new("grants"));
    let mut relay = Relay::start(&app.0, &data.0, GRANT);
    let genesis = served_genesis(&relay).await;

    // The newcomer's grant comes in the step 2 it asks for after the welcome.
    let mut alice = Tab::join(&relay, &genesis, 1).await;
    alice.pull().await;
    alice.assert_quiet().await;
    assert_eq!(balance(&alice, &genesis, 1), 100);

    // Joined tabs hear of a later newcomer's grant at once; the newcomer's step 2 holds both
    // grants and applies without a refusal (`pull` checks).
    let mut bob = Tab::join(&relay, &genesis, 2).await;
    bob.pull().await;
    bob.assert_quiet().await;
    assert_eq!((balance(&bob, &genesis, 1), balance(&bob, &genesis, 2)), (100, 100));
    assert_eq!(alice.apply_next().await, 1, "bob's grant reaches alice");
    assert_eq!(balance(&alice, &genesis, 2), 100);
    assert_eq!(events(&relay).await, 3, "the genesis and two grants");

    // Rejoining is no newcomer.
    drop(alice);
    let mut alice = Tab::join(&relay, &genesis, 1).await;
    alice.pull().await;
    alice.assert_quiet().await;
    assert_eq!((balance(&alice, &genesis, 1), grants(&alice)), (100, 2));
    assert_eq!(events(&relay).await, 3);

    // Nor after a restart: the archive remembers who had a grant.
    drop((alice, bob));
    stop(&mut relay).await;
    let relay = Relay::start(&app.0, &data.0, GRANT);
    let mut alice = Tab::join(&relay, &genesis, 1).await;
    alice.pull().await;
    alice.assert_quiet().await;
    assert_eq!((balance(&alice, &genesis, 1), grants(&alice)), (100, 2));
    assert_eq!(events(&relay).await, 3);
    let mut carol = Tab::join(&relay, &genesis, 3).await;
    carol.pull().await;
    assert_eq!(balance(&carol, &genesis, 3), 100, "newcomers still get theirs");
}

#[tokio::test]
async fn one_address_gets_its_daily_allowance_of_grants_and_no_more() {
    let (app, data) = (app_dir(), TempDir::new("grants-per-ip"));
    let relay = Relay::start(&app.0, &data.0, &["--grant-newcomers", "100", "--grants-per-ip-per-day", "2"]);
    let genesis = served_genesis(&relay).await;
    let mut first = Tab::join(&relay, &genesis, 1).await;
    first.pull().await;
    let mut second = Tab::join(&relay, &genesis, 2).await;
    second.pull().await;
    first.apply_next().await;

    let mut third = Tab::join(&relay, &genesis, 3).await;
    third.pull().await;
    third.assert_quiet().await;
    first.assert_quiet().await;
    assert_eq!(grants(&third), 2, "the third tab sees the first two grants");
    assert_eq!(balance(&third, &genesis, 3), 0, "127.0.0.1 had its two grants today");
    assert_eq!(events(&relay).await, 3);
}

#[tokio::test]
async fn without_the_flag_nobody_gets_a_grant() {
    let (app, data) = (app_dir(), TempDir::new("no-grants"));
    let relay = Relay::start(&app.0, &data.0, &[]);
    let genesis = served_genesis(&relay).await;
    let mut tab = Tab::join(&relay, &genesis, 1).await;
    tab.pull().await;
    tab.assert_quiet().await;
    assert_eq!((balance(&tab, &genesis, 1), grants(&tab)), (0, 0));
    assert_eq!(events(&relay).await, 1, "only the genesis");
}
