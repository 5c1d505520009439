//! Invites on this page: the one the tab was opened with (in the URL's fragment) and the one it
//! hands out, and the relays the tab therefore talks to.
//!
//! Parsing and bounds are core's (`amorph_core::signal::invite`); this module only reads the
//! page's location and decides what an invite changes: its relays are tried before the page's
//! own, and only when it names this tab's swarm.

use amorph_core::events::SignedEvent;
use amorph_core::identity::PeerId;
use amorph_core::signal::invite::MAX_RELAYS;
use amorph_core::signal::{Invite, InviteError};
use amorph_core::wire::EventId;

use crate::genesis::{short_id, swarm_name};
use crate::relay_client::signal_url;

/// What became of the invite this page was opened with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// The tab joined through it: its relays come first, its sender is linked first.
    Accepted { from: PeerId, relays: usize },
    /// It could not be used; the sentence says why. The tab works as if opened without it.
    Unusable(String),
}

/// The invite in this page's fragment, if any, checked against the tab's swarm.
pub fn arrival(genesis: &SignedEvent) -> Option<(Arrival, Option<Invite>)> {
    let hash = web_sys::window()?.location().hash().ok()?;
    match Invite::from_fragment(&hash) {
        Err(InviteError::NotAnInvite) => None,
        Err(why) => Some((Arrival::Unusable(format!("This link's invite cannot be used: {why}.")), None)),
        Ok(invite) if invite.swarm != genesis.id => Some((
            Arrival::Unusable(format!(
                "This invite is for swarm {}, but this tab belongs to swarm {} ({}); it was ignored.",
                short_id(&invite.swarm),
                swarm_name(genesis),
                short_id(&genesis.id)
            )),
            None,
        )),
        Ok(invite) => {
            let accepted = Arrival::Accepted { from: invite.from, relays: invite.relays.len() };
            Some((accepted, Some(invite)))
        }
    }
}

/// The relays to try, in order: those of an accepted invite, then this page's own; no repeats.
pub fn relays(invite: Option<&Invite>) -> Vec<String> {
    let mut relays: Vec<String> = invite.map(|i| i.relays.clone()).unwrap_or_default();
    relays.extend(signal_url());
    let mut seen = std::collections::BTreeSet::new();
    relays.retain(|relay| seen.insert(relay.clone()));
    relays
}

/// The link that invites someone to this tab's swarm, through the relays it uses.
pub fn link(swarm: EventId, me: PeerId, relays: &[String]) -> Result<String, InviteError> {
    let invite = Invite::new(swarm, me, relays.iter().take(MAX_RELAYS).cloned().collect())?;
    let location = web_sys::window().map(|w| w.location());
    let page = location.and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))).unwrap_or_default();
    Ok(format!("{page}#{}", invite.to_fragment()))
}
