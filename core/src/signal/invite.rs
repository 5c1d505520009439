//! Invites: how a peer points a newcomer at its swarm. An invite names the swarm (its genesis id),
//! the inviting peer (did:key, so the newcomer links to it first) and the relays that introduce
//! strangers to it, in the order to try them.
//!
//! It travels as the fragment of the app's URL (`#invite?swarm=…&from=…&relay=…`), form-encoded,
//! so browsers never send it to a server and a QR code can carry the whole link. Parsing checks
//! every field and every bound; an invite vouches for nothing: the genesis the newcomer gets from
//! a relay must still match `swarm`, and the inviter is a peer like any other.

use std::fmt;

use crate::identity::PeerId;
use crate::wire::EventId;

/// Relays an invite may list.
pub const MAX_RELAYS: usize = 4;
/// Longest relay URL accepted, in bytes.
pub const MAX_RELAY_URL_BYTES: usize = 200;
/// Longest fragment parsed, in bytes (four relays at the limit, the swarm, the did:key, escapes).
pub const MAX_INVITE_BYTES: usize = 2048;
/// What the fragment starts with (after `#`).
const PREFIX: &str = "invite?";

/// An invitation to a swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The genesis id of the swarm.
    pub swarm: EventId,
    /// The peer that made the invite.
    pub from: PeerId,
    /// Signaling endpoints (`ws://` or `wss://…/signal`), at least one, most preferred first.
    pub relays: Vec<String>,
}

/// Why a fragment is not a usable invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteError {
    /// The fragment does not start with `invite?`: not an invite at all.
    NotAnInvite,
    TooLong {
        bytes: usize,
    },
    /// A field is missing, repeated where it must be single, or unknown.
    Field(String),
    BadSwarm,
    BadInviter,
    BadRelay(String),
    NoRelay,
    TooManyRelays {
        count: usize,
    },
}

impl fmt::Display for InviteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InviteError::NotAnInvite => write!(f, "the link holds no invite"),
            InviteError::TooLong { bytes } => {
                write!(f, "the invite is {bytes} bytes long; at most {MAX_INVITE_BYTES} are read")
            }
            InviteError::Field(why) => write!(f, "the invite is malformed: {why}"),
            InviteError::BadSwarm => write!(f, "the invite's swarm is not a genesis id (64 hex digits)"),
            InviteError::BadInviter => write!(f, "the invite's sender is not a valid did:key"),
            InviteError::BadRelay(why) => write!(f, "the invite names a relay that cannot be used: {why}"),
            InviteError::NoRelay => write!(f, "the invite names no relay"),
            InviteError::TooManyRelays { count } => {
                write!(f, "the invite names {count} relays; at most {MAX_RELAYS} are accepted")
            }
        }
    }
}

impl std::error::Error for InviteError {}

impl Invite {
    /// Checks the relays; the swarm id and the inviter are valid by type.
    pub fn new(swarm: EventId, from: PeerId, relays: Vec<String>) -> Result<Invite, InviteError> {
        if relays.is_empty() {
            return Err(InviteError::NoRelay);
        }
        if relays.len() > MAX_RELAYS {
            return Err(InviteError::TooManyRelays { count: relays.len() });
        }
        for relay in &relays {
            check_relay(relay)?;
        }
        Ok(Invite { swarm, from, relays })
    }

    /// The URL fragment (without `#`) that carries this invite.
    pub fn to_fragment(&self) -> String {
        let mut query = form_urlencoded::Serializer::for_suffix(String::from(PREFIX), PREFIX.len());
        query.append_pair("swarm", &self.swarm.to_hex()).append_pair("from", &self.from.to_did());
        for relay in &self.relays {
            query.append_pair("relay", relay);
        }
        query.finish()
    }

    /// Reads a URL fragment, with or without its leading `#`.
    pub fn from_fragment(fragment: &str) -> Result<Invite, InviteError> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let query = fragment.strip_prefix(PREFIX).ok_or(InviteError::NotAnInvite)?;
        if fragment.len() > MAX_INVITE_BYTES {
            return Err(InviteError::TooLong { bytes: fragment.len() });
        }
        let (mut swarm, mut from, mut relays) = (None, None, Vec::new());
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let twice = || InviteError::Field(format!("`{key}` appears twice"));
            match key.as_ref() {
                "swarm" => {
                    if swarm.is_some() {
                        return Err(twice());
                    }
                    swarm = Some(EventId::from_hex(&value).ok_or(InviteError::BadSwarm)?);
                }
                "from" => {
                    if from.is_some() {
                        return Err(twice());
                    }
                    from = Some(PeerId::from_did(&value).map_err(|_| InviteError::BadInviter)?);
                }
                "relay" if relays.len() == MAX_RELAYS => {
                    return Err(InviteError::TooManyRelays { count: MAX_RELAYS + 1 })
                }
                "relay" => relays.push(value.into_owned()),
                other => return Err(InviteError::Field(format!("unknown field `{other}`"))),
            }
        }
        let swarm = swarm.ok_or_else(|| InviteError::Field("no `swarm`".into()))?;
        let from = from.ok_or_else(|| InviteError::Field("no `from`".into()))?;
        Invite::new(swarm, from, relays)
    }
}

/// A relay must be a WebSocket URL with a host, short, without spaces or credentials.
fn check_relay(url: &str) -> Result<(), InviteError> {
    let bad = |why: &str| Err(InviteError::BadRelay(format!("{why}: {}", shorten(url))));
    if url.len() > MAX_RELAY_URL_BYTES {
        return bad(&format!("longer than {MAX_RELAY_URL_BYTES} bytes"));
    }
    let Some(rest) = url.strip_prefix("wss://").or_else(|| url.strip_prefix("ws://")) else {
        return bad("not a ws:// or wss:// URL");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return bad("no host");
    }
    if host.contains('@') {
        return bad("credentials in the URL");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("spaces or control characters");
    }
    Ok(())
}

/// At most 60 characters of `text`, for error messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;

    fn invite() -> Invite {
        let from = Identity::from_seed([7; 32]).peer_id();
        let relays = vec!["wss://relay.example/signal".to_string(), "ws://127.0.0.1:8080/signal".to_string()];
        Invite::new(EventId([9; 32]), from, relays).unwrap()
    }

    #[test]
    fn an_invite_survives_its_fragment() {
        let invite = invite();
        let fragment = invite.to_fragment();
        assert!(fragment.starts_with("invite?swarm=0909"), "{fragment}");
        assert!(!fragment.contains("://"), "URLs are escaped: {fragment}");
        assert_eq!(Invite::from_fragment(&fragment), Ok(invite.clone()));
        assert_eq!(Invite::from_fragment(&format!("#{fragment}")), Ok(invite));
    }

    #[test]
    fn bad_fragments_say_what_is_wrong() {
        let good = invite().to_fragment();
        let did = invite().from.to_did();
        let cases = [
            ("", InviteError::NotAnInvite),
            ("tab=settings", InviteError::NotAnInvite),
            ("invite?", InviteError::Field("no `swarm`".into())),
            (&format!("invite?swarm={}&relay=ws%3A%2F%2Fa", "09".repeat(32)), InviteError::Field("no `from`".into())),
            (&format!("invite?swarm=zz&from={did}&relay=ws%3A%2F%2Fa"), InviteError::BadSwarm),
            (
                &format!("invite?swarm={}&from=did%3Akey%3Azbad&relay=ws%3A%2F%2Fa", "09".repeat(32)),
                InviteError::BadInviter,
            ),
            (&format!("{good}&swarm={}", "01".repeat(32)), InviteError::Field("`swarm` appears twice".into())),
            (&format!("{good}&colour=red"), InviteError::Field("unknown field `colour`".into())),
            (&format!("invite?swarm={}&from={did}", "09".repeat(32)), InviteError::NoRelay),
        ];
        for (fragment, expected) in cases {
            assert_eq!(Invite::from_fragment(fragment), Err(expected), "{fragment}");
        }
    }

    #[test]
    fn relays_must_be_websocket_urls_within_bounds() {
        let from = invite().from;
        for url in ["https://relay.example", "ws://", "ws:///signal", "wss://user:pw@relay.example", "ws://a b"] {
            let error = Invite::new(EventId([1; 32]), from, vec![url.into()]).unwrap_err();
            assert!(matches!(error, InviteError::BadRelay(_)), "{url}: {error:?}");
        }
        let long = format!("wss://{}.example", "a".repeat(MAX_RELAY_URL_BYTES));
        assert!(matches!(Invite::new(EventId([1; 32]), from, vec![long]), Err(InviteError::BadRelay(_))));
        let five = vec!["ws://a".to_string(); MAX_RELAYS + 1];
        assert_eq!(Invite::new(EventId([1; 32]), from, five), Err(InviteError::TooManyRelays { count: 5 }));
    }

    #[test]
    fn oversized_or_relay_stuffed_fragments_are_refused_before_reading_them_all() {
        let good = invite().to_fragment();
        let padded = format!("{good}&relay={}", "x".repeat(MAX_INVITE_BYTES));
        assert_eq!(Invite::from_fragment(&padded), Err(InviteError::TooLong { bytes: padded.len() }));
        let stuffed = format!("{good}{}", "&relay=ws%3A%2F%2Fa".repeat(3));
        assert_eq!(Invite::from_fragment(&stuffed), Err(InviteError::TooManyRelays { count: 5 }));
    }
}
