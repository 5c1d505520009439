//! Welcome grants: the relay, its swarm's issuer, grants credits once to each new identity that
//! joins `/signal`, so a newcomer can post a paid task or stake a claim.
//!
//! Owns the decision only: which identities already had a grant from this relay (rebuilt from the
//! archive's events at start, then kept up to date) and how many grants each IP address got this
//! UTC day, which bounds what one person can collect with many identities. Signs and stores
//! through the archive; sends nothing itself. Logs IP addresses, never keys or peer ids.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv6Addr};

use amorph_core::events::{Event, Grant, SignedEvent};
use amorph_core::identity::{Identity, PeerId};
use tracing::{debug, info, warn};

use crate::archive::Archive;

/// The memo of every welcome grant.
pub const MEMO: &str = "welcome grant";
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// What the operator chose: `--grant-newcomers` and `--grants-per-ip-per-day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantPolicy {
    /// Credits per newcomer; positive (a policy of 0 is no policy).
    pub amount: u64,
    /// New identities per IP address (IPv6: per /64) and UTC day; at least 1.
    pub per_ip_per_day: u32,
}

/// Why a newcomer gets no grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This identity had its grant already.
    AlreadyGranted,
    /// Its address had `per_ip_per_day` grants today.
    AllowanceUsed,
}

/// Who had a grant, and today's grants per address.
pub struct Faucet {
    policy: GrantPolicy,
    issuer: Identity,
    /// Every identity the issuer ever granted to: grows by one per grant, nothing else.
    granted: HashSet<PeerId>,
    /// The UTC day (days since 1970) `today` counts.
    day: u64,
    /// Grants today per address; emptied when the day changes, so it holds at most a day's grants.
    today: HashMap<IpAddr, u32>,
}

impl Faucet {
    /// A faucet of `issuer` (the genesis issuer) that remembers the grants `issuer` authored in `events`.
    pub fn new<'a>(policy: GrantPolicy, issuer: Identity, events: impl IntoIterator<Item = &'a SignedEvent>) -> Faucet {
        let me = issuer.peer_id();
        let granted = events
            .into_iter()
            .filter(|event| event.author() == me)
            .filter_map(|event| match &event.event {
                Event::Grant(grant) => Some(grant.to),
                _ => None,
            })
            .collect();
        Faucet { policy, issuer, granted, day: 0, today: HashMap::new() }
    }

    /// How many identities had a grant from this relay.
    pub fn granted_count(&self) -> usize {
        self.granted.len()
    }

    /// The grant `peer`, joining from `ip`, is due at `now_ms` (wall clock), or why none is.
    /// Counts nothing: call `record` once the grant is published.
    pub fn check(&mut self, peer: PeerId, ip: IpAddr, now_ms: u64) -> Result<Grant, Refusal> {
        if self.granted.contains(&peer) {
            return Err(Refusal::AlreadyGranted);
        }
        self.roll(now_ms);
        if self.today.get(&address_key(ip)).is_some_and(|n| *n >= self.policy.per_ip_per_day) {
            return Err(Refusal::AllowanceUsed);
        }
        Ok(Grant { to: peer, amount: self.policy.amount, memo: MEMO.into() })
    }

    /// `peer` got its grant: never again, and one fewer for `ip` today.
    pub fn record(&mut self, peer: PeerId, ip: IpAddr, now_ms: u64) {
        self.roll(now_ms);
        if self.granted.insert(peer) {
            *self.today.entry(address_key(ip)).or_default() += 1;
        }
    }

    /// Starts a new count when the UTC day changed.
    fn roll(&mut self, now_ms: u64) {
        let day = now_ms / DAY_MS;
        if day != self.day {
            self.day = day;
            self.today = HashMap::new();
        }
    }
}

/// The address a daily allowance belongs to: an IPv4 address, or the /64 of an IPv6 address (one
/// subscriber usually has a whole /64, so counting single IPv6 addresses would bound nothing).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// Grants `peer` (just joined from `ip`) its welcome credits if it is due them: signs the grant
/// into the archive and returns the sync update every joined tab should get.
pub fn welcome(faucet: &mut Faucet, archive: &mut Archive, peer: PeerId, ip: IpAddr, now_ms: u64) -> Option<Vec<u8>> {
    let grant = match faucet.check(peer, ip, now_ms) {
        Ok(grant) => grant,
        Err(Refusal::AlreadyGranted) => {
            debug!("no welcome grant: this identity had one");
            return None;
        }
        Err(Refusal::AllowanceUsed) => {
            let allowance = faucet.policy.per_ip_per_day;
            info!(%ip, allowance, "no welcome grant: this address had its grants for today (--grants-per-ip-per-day)");
            return None;
        }
    };
    let amount = grant.amount;
    match archive.publish(&faucet.issuer, now_ms, Event::Grant(grant)) {
        Ok(update) => {
            faucet.record(peer, ip, now_ms);
            info!(%ip, amount, "welcome grant given");
            Some(update)
        }
        Err(error) => {
            warn!(%error, "could not sign a welcome grant; none given");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amorph_core::economy::Economy;
    use amorph_core::events::Heartbeat;
    use amorph_core::store::EventStore;
    use amorph_core::wire::EventId;

    use crate::data_dir;

    const NOON: u64 = 1_750_000_000_000 / DAY_MS * DAY_MS + DAY_MS / 2;
    const POLICY: GrantPolicy = GrantPolicy { amount: 100, per_ip_per_day: 2 };

    fn peer(n: u8) -> PeerId {
        Identity::from_seed([n; 32]).peer_id()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn grant_now(faucet: &mut Faucet, who: PeerId, from: IpAddr, now_ms: u64) -> Result<(), Refusal> {
        let grant = faucet.check(who, from, now_ms)?;
        assert_eq!((grant.to, grant.amount, grant.memo.as_str()), (who, 100, MEMO));
        faucet.record(who, from, now_ms);
        Ok(())
    }

    #[test]
    fn each_identity_gets_one_grant_and_each_address_a_few_a_day() {
        let mut faucet = Faucet::new(POLICY, Identity::from_seed([1; 32]), []);
        let home = ip("203.0.113.7");
        assert_eq!(grant_now(&mut faucet, peer(2), home, NOON), Ok(()));
        assert_eq!(faucet.check(peer(2), ip("198.51.100.1"), NOON), Err(Refusal::AlreadyGranted));
        assert_eq!(grant_now(&mut faucet, peer(3), home, NOON + 1), Ok(()));
        assert_eq!(faucet.check(peer(4), home, NOON + 2), Err(Refusal::AllowanceUsed));
        assert_eq!(grant_now(&mut faucet, peer(4), ip("198.51.100.1"), NOON + 3), Ok(()));
        // A check alone counts nothing; the next UTC day starts a new count.
        assert_eq!(grant_now(&mut faucet, peer(5), home, NOON + DAY_MS / 2), Ok(()));
        assert_eq!(faucet.today.len(), 1, "yesterday's counts are gone");
        assert_eq!(faucet.granted_count(), 4);
    }

    #[test]
    fn an_ipv6_allowance_covers_its_slash_64() {
        let mut faucet = Faucet::new(POLICY, Identity::from_seed([1; 32]), []);
        assert_eq!(grant_now(&mut faucet, peer(2), ip("2001:db8:1:2::1"), NOON), Ok(()));
        assert_eq!(grant_now(&mut faucet, peer(3), ip("2001:db8:1:2:ffff::9"), NOON), Ok(()));
        assert_eq!(faucet.check(peer(4), ip("2001:db8:1:2:abcd::1"), NOON), Err(Refusal::AllowanceUsed));
        assert_eq!(grant_now(&mut faucet, peer(4), ip("2001:db8:1:3::1"), NOON), Ok(()));
        // An IPv4-mapped address counts as the IPv4 address.
        assert_eq!(grant_now(&mut faucet, peer(5), ip("192.0.2.1"), NOON), Ok(()));
        assert_eq!(grant_now(&mut faucet, peer(6), ip("::ffff:192.0.2.1"), NOON), Ok(()));
        assert_eq!(faucet.check(peer(7), ip("192.0.2.1"), NOON), Err(Refusal::AllowanceUsed));
    }

    #[test]
    fn grants_in_the_log_are_remembered_only_when_this_issuer_signed_them() {
        let (me, other) = (Identity::from_seed([1; 32]), Identity::from_seed([9; 32]));
        let event =
            |author: &Identity, body: Event| SignedEvent::create(author, EventId([7; 32]), 1, NOON, body).unwrap();
        let grant = |to: u8| Event::Grant(Grant { to: peer(to), amount: 5, memo: String::new() });
        let log = [event(&me, grant(2)), event(&other, grant(3)), event(&me, Event::Heartbeat(Heartbeat { seq: 1 }))];
        let mut faucet = Faucet::new(POLICY, me, &log);
        assert_eq!(faucet.granted_count(), 1);
        assert_eq!(faucet.check(peer(2), ip("192.0.2.1"), NOON), Err(Refusal::AlreadyGranted));
        assert!(faucet.check(peer(3), ip("192.0.2.1"), NOON).is_ok());
    }

    #[test]
    fn a_welcome_grant_is_signed_into_the_archive_and_credits_the_newcomer() {
        let dir = std::env::temp_dir().join(format!("amorph-grants-welcome-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let founder = data_dir::open_or_found(&dir, "S", NOON).unwrap();
        let mut archive = Archive::open(&dir, &founder.genesis, NOON).unwrap();
        let mut faucet = Faucet::new(POLICY, founder.identity.clone(), archive.events());
        let home = ip("192.0.2.1");
        let update = welcome(&mut faucet, &mut archive, peer(2), home, NOON).expect("a grant for a newcomer");
        assert_eq!(archive.len(), 2);
        let mut tab = EventStore::new(5, &founder.genesis).unwrap();
        assert_eq!(tab.handle_message(founder.identity.peer_id(), &update, NOON).added, 1);
        let views = Economy::derive(&founder.genesis, tab.events()).unwrap();
        assert_eq!(views.balance(&peer(2)), 100);
        assert_eq!(welcome(&mut faucet, &mut archive, peer(2), home, NOON + 1), None, "one grant per identity");
        // A faucet rebuilt from the log (a restart) remembers the grant.
        let restarted = Faucet::new(POLICY, founder.identity.clone(), archive.events());
        assert_eq!(restarted.granted_count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
