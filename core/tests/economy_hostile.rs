//! Scenario: hostile and mistaken events against a live swarm — self-dealing for karma, spending
//! another's money, double claims, claims without stake, votes from outside the jury, a second
//! genesis, grants from a non-issuer, replays, events from before the genesis. Each is refused, and
//! none changes any view but the refusal counters.

mod support;

use amorph_core::economy::EconomyViews;
use amorph_core::events::{Event, Genesis, SignedEvent};
use support::*;

/// Half a second: hostile events slip between the base history's events, one second apart.
const BETWEEN: u64 = 500;

struct Setting {
    c: Chronicle,
    /// Hostile events, each with whether it counts against its author (an honest-looking race does not).
    hostile: Vec<(SignedEvent, bool)>,
}

impl Setting {
    /// Signs a hostile event by `who` just after the latest base event.
    fn hostile(&mut self, who: u8, event: Event, counted: bool) {
        let signed = self.c.sign_at(&identity(who), self.c.now + BETWEEN, event);
        self.hostile.push((signed, counted));
    }
}

/// The base history (requester 2, worker 3, jurors from 10..=15, patron 20) with hostile events by
/// the same identities and by a newcomer, mallory (66), slipped in.
fn setting() -> Setting {
    let mut s = Setting { c: Chronicle::default(), hostile: Vec::new() };
    let (requester, worker, patron) = (identity(2), identity(3), identity(20));
    s.c.fund(&patron, 1_000);
    for n in 10..=15 {
        s.c.fund(&identity(n), 1);
        s.c.complete(&patron, &identity(n), terms("review", 10));
    }
    s.c.fund(&requester, 300);
    s.c.fund(&worker, 50);
    let mallory = 66;

    s.hostile(1, Event::Genesis(Genesis::with_defaults("a rival swarm", identity(1).peer_id())), true);
    s.hostile(mallory, grant(identity(mallory).peer_id(), 1_000), true);
    s.hostile(mallory, transfer(identity(mallory).peer_id(), 5), true);
    s.hostile(3, transfer(identity(2).peer_id(), 10_000), true);
    s.hostile(2, posted(terms("x", 10_000)), true);

    let open = s.c.next(&requester, posted(terms("x", 50)));
    s.hostile(2, staked(open, 5), true);
    s.hostile(12, staked(open, 1), true);
    s.hostile(mallory, staked(open, 5), true);

    let task = s.c.next(&requester, posted(terms("x", 100)));
    s.c.next(&worker, staked(task, 10));
    s.hostile(3, staked(task, 10), true);
    s.hostile(13, staked(task, 10), false);
    s.c.now += 10 * 60 * SECOND_MS;
    s.hostile(14, staked(task, 10), true);
    let submission = s.c.next(&worker, submit(task, "done"));
    s.hostile(2, submit(task, "mine"), true);
    s.hostile(3, accept(task, submission), true);
    s.hostile(mallory, reject(task, submission), true);
    let acceptance = s.c.next(&requester, accept(task, submission));
    s.hostile(2, settle(task, acceptance, Some(identity(2).peer_id())), true);
    s.c.next(&worker, settle(task, acceptance, None));

    let contested = s.c.next(&requester, posted(terms("x", 130)));
    s.c.next(&worker, staked(contested, 13));
    let submission = s.c.next(&worker, submit(contested, "done"));
    s.c.next(&requester, reject(contested, submission));
    s.hostile(2, dispute(contested, submission), true);
    let case = s.c.next(&worker, dispute(contested, submission));
    let views = s.c.views();
    let drawn = views.task(&contested).and_then(|t| t.jury.as_ref()).map(|j| j.jurors.clone()).unwrap_or_default();
    let seat = |n: u8| drawn.contains(&identity(n).peer_id());
    let (sitting, standing_by): (Vec<u8>, Vec<u8>) = (10..=15).partition(|&n| seat(n));
    s.c.next(&identity(sitting[0]), vote(contested, case, true));
    s.hostile(sitting[0], vote(contested, case, false), true);
    s.hostile(standing_by[0], vote(contested, case, false), true);
    s.hostile(2, vote(contested, case, false), true);
    s.c.next(&identity(sitting[1]), vote(contested, case, true));

    let before_genesis = s.c.sign_at(&identity(1), T0 - 1, grant(identity(2).peer_id(), 1_000));
    s.hostile.push((before_genesis, true));
    s
}

/// The views with the refusal counters set aside.
fn without_counters(mut views: EconomyViews) -> Vec<u8> {
    views.ignored.clear();
    views.encode()
}

#[test]
fn every_hostile_event_is_refused_and_changes_no_view() {
    let s = setting();
    let base = s.c.views();
    assert!(base.ignored.is_empty(), "the base history is clean: {:?}", base.ignored);
    for (event, counted) in &s.hostile {
        let mut events = s.c.events.clone();
        events.push(event.clone());
        let views = s.c.views_of(&events);
        assert_eq!(without_counters(views.clone()), without_counters(base.clone()), "{:?}", event.event);
        let expected = u32::from(*counted);
        assert_eq!(views.ignored_count(&event.author()), expected, "{:?}: {:?}", event.event, views.ignored);
    }

    let mut everything = s.c.events.clone();
    everything.extend(s.hostile.iter().map(|(e, _)| e.clone()));
    let views = s.c.views_of(&everything);
    assert_eq!(without_counters(views.clone()), without_counters(base.clone()));
    let counted = s.hostile.iter().filter(|(_, counted)| *counted).count() as u32;
    assert_eq!(views.ignored.values().map(|i| i.count).sum::<u32>(), counted);
    assert!(!views.karma.contains_key(&identity(66).peer_id()), "refused events make no identity known");
    assert_eq!(views.balance(&identity(66).peer_id()), 0);
}

#[test]
fn replays_change_nothing_at_all() {
    let s = setting();
    let mut twice = s.c.events.clone();
    twice.extend(s.c.events.iter().rev().cloned());
    twice.push(s.c.genesis.clone());
    assert_eq!(s.c.views_of(&twice).encode(), s.c.views().encode());
}

#[test]
fn nobody_can_sign_a_transfer_of_my_money() {
    let (me, mallory) = (identity(2), identity(66));
    let c = Chronicle::default();
    let mut forged = c.sign_at(&mallory, T0 + SECOND_MS, transfer(mallory.peer_id(), 100)).envelope;
    forged.author = me.peer_id();
    // A transfer always moves its author's money, and only the author's key signs as the author.
    assert!(SignedEvent::admit(&forged.encode(), T0 + SECOND_MS).is_err());
}
