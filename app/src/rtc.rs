//! WebRTC glue: one `Link` is one RTCPeerConnection with one ordered data channel "amorph" to one
//! peer. It turns browser callbacks into `LinkEvent`s for its listener and sends bytes it is given.
//!
//! Owns the browser objects and their callbacks. Makes no protocol decisions: who offers, which
//! offer wins and what the bytes mean are the swarm's (and core's) business. No STUN/TURN servers:
//! host and mDNS candidates only.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use amorph_core::identity::PeerId;
use amorph_core::signal::SignalPayload;
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MessageEvent, RtcConfiguration, RtcDataChannel, RtcDataChannelEvent, RtcDataChannelInit, RtcDataChannelState,
    RtcDataChannelType, RtcIceCandidateInit, RtcPeerConnection, RtcPeerConnectionIceEvent, RtcPeerConnectionState,
    RtcSdpType, RtcSessionDescriptionInit,
};

pub const CHANNEL_LABEL: &str = "amorph";
/// Frames larger than this are dropped unread.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
/// Candidates queued while the remote description is not yet applied.
const MAX_PENDING_CANDIDATES: usize = 64;

#[derive(Debug)]
pub enum LinkEvent {
    /// Send this to the peer through the relay.
    Signal(SignalPayload),
    Open,
    Message(Vec<u8>),
    /// The channel closed or the connection failed; forget the link.
    Closed,
}

/// Receives every event of every link: (peer, link id, event).
pub type LinkListener = Rc<dyn Fn(PeerId, u64, LinkEvent)>;

pub struct Link {
    pub peer: PeerId,
    /// Unique per link, so late events of a replaced link can be told apart.
    pub id: u64,
    pub offerer: bool,
    pc: RtcPeerConnection,
    channel: Rc<RefCell<Option<RtcDataChannel>>>,
    remote_set: Rc<Cell<bool>>,
    pending: Rc<RefCell<Vec<RtcIceCandidateInit>>>,
    /// Browser callbacks; dropped (after unhooking) with the link.
    callbacks: Rc<RefCell<Vec<Box<dyn std::any::Any>>>>,
}

impl Link {
    /// Starts a connection as the offering side: creates the channel and sends an offer.
    pub fn offer(peer: PeerId, id: u64, listener: LinkListener) -> Result<Link, String> {
        let link = Link::new(peer, id, true, listener.clone())?;
        let init = RtcDataChannelInit::new();
        init.set_ordered(true);
        let channel = link.pc.create_data_channel_with_data_channel_dict(CHANNEL_LABEL, &init);
        link.attach_channel(channel, &listener);
        let pc = link.pc.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = async {
                let offer = JsFuture::from(pc.create_offer()).await?;
                let sdp = sdp_of(&offer)?;
                let local = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
                local.set_sdp(&sdp);
                JsFuture::from(pc.set_local_description(&local)).await?;
                Ok::<_, JsValue>(sdp)
            }
            .await;
            match result {
                Ok(sdp) => listener(peer, id, LinkEvent::Signal(SignalPayload::Offer { sdp })),
                Err(_) => listener(peer, id, LinkEvent::Closed),
            }
        });
        Ok(link)
    }

    /// Starts a connection as the answering side of `offer_sdp`.
    pub fn answer(peer: PeerId, id: u64, offer_sdp: String, listener: LinkListener) -> Result<Link, String> {
        let link = Link::new(peer, id, false, listener.clone())?;
        let pc = link.pc.clone();
        let remote_set = link.remote_set.clone();
        let pending = link.pending.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = async {
                let remote = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
                remote.set_sdp(&offer_sdp);
                JsFuture::from(pc.set_remote_description(&remote)).await?;
                remote_set.set(true);
                flush_candidates(&pc, &pending);
                let answer = JsFuture::from(pc.create_answer()).await?;
                let sdp = sdp_of(&answer)?;
                let local = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
                local.set_sdp(&sdp);
                JsFuture::from(pc.set_local_description(&local)).await?;
                Ok::<_, JsValue>(sdp)
            }
            .await;
            match result {
                Ok(sdp) => listener(peer, id, LinkEvent::Signal(SignalPayload::Answer { sdp })),
                Err(_) => listener(peer, id, LinkEvent::Closed),
            }
        });
        Ok(link)
    }

    fn new(peer: PeerId, id: u64, offerer: bool, listener: LinkListener) -> Result<Link, String> {
        let config = RtcConfiguration::new();
        config.set_ice_servers(&Array::new());
        let pc = RtcPeerConnection::new_with_configuration(&config).map_err(|e| format!("RTCPeerConnection: {e:?}"))?;
        let link = Link {
            peer,
            id,
            offerer,
            pc,
            channel: Rc::new(RefCell::new(None)),
            remote_set: Rc::new(Cell::new(false)),
            pending: Rc::new(RefCell::new(Vec::new())),
            callbacks: Rc::new(RefCell::new(Vec::new())),
        };
        let on_candidate = {
            let listener = listener.clone();
            Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(move |event: RtcPeerConnectionIceEvent| {
                let Some(candidate) = event.candidate() else { return };
                let payload = SignalPayload::Candidate {
                    candidate: candidate.candidate(),
                    sdp_mid: candidate.sdp_mid(),
                    sdp_m_line_index: candidate.sdp_m_line_index(),
                };
                listener(peer, id, LinkEvent::Signal(payload));
            })
        };
        link.pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
        let on_state = {
            let listener = listener.clone();
            let pc = link.pc.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if matches!(pc.connection_state(), RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed) {
                    listener(peer, id, LinkEvent::Closed);
                }
            })
        };
        link.pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        let on_channel = {
            let listener = listener.clone();
            let slot = link.channel.clone();
            let callbacks = link.callbacks.clone();
            Closure::<dyn FnMut(RtcDataChannelEvent)>::new(move |event: RtcDataChannelEvent| {
                let channel = event.channel();
                if channel.label() != CHANNEL_LABEL || slot.borrow().is_some() {
                    channel.close();
                    return;
                }
                hook_channel(&channel, peer, id, &listener, &callbacks);
                *slot.borrow_mut() = Some(channel);
            })
        };
        link.pc.set_ondatachannel(Some(on_channel.as_ref().unchecked_ref()));
        link.callbacks.borrow_mut().extend([
            Box::new(on_candidate) as Box<dyn std::any::Any>,
            Box::new(on_state),
            Box::new(on_channel),
        ]);
        Ok(link)
    }

    fn attach_channel(&self, channel: RtcDataChannel, listener: &LinkListener) {
        hook_channel(&channel, self.peer, self.id, listener, &self.callbacks);
        *self.channel.borrow_mut() = Some(channel);
    }

    /// We sent an offer and no answer has been applied yet.
    pub fn awaiting_answer(&self) -> bool {
        self.offerer && !self.remote_set.get()
    }

    /// Applies the peer's answer to our offer. An answer we did not ask for is ignored.
    pub fn on_answer(&self, sdp: String, listener: LinkListener) {
        if !self.awaiting_answer() {
            return;
        }
        let (pc, remote_set, pending, peer, id) =
            (self.pc.clone(), self.remote_set.clone(), self.pending.clone(), self.peer, self.id);
        wasm_bindgen_futures::spawn_local(async move {
            let remote = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
            remote.set_sdp(&sdp);
            match JsFuture::from(pc.set_remote_description(&remote)).await {
                Ok(_) => {
                    remote_set.set(true);
                    flush_candidates(&pc, &pending);
                }
                Err(_) => listener(peer, id, LinkEvent::Closed),
            }
        });
    }

    /// Adds a remote ICE candidate now, or once the remote description is applied.
    pub fn on_candidate(&self, candidate: String, sdp_mid: Option<String>, sdp_m_line_index: Option<u16>) {
        let init = RtcIceCandidateInit::new(&candidate);
        init.set_sdp_mid(sdp_mid.as_deref());
        init.set_sdp_m_line_index(sdp_m_line_index);
        if self.remote_set.get() {
            add_candidate(&self.pc, &init);
        } else if self.pending.borrow().len() < MAX_PENDING_CANDIDATES {
            self.pending.borrow_mut().push(init);
        }
    }

    pub fn is_open(&self) -> bool {
        self.channel.borrow().as_ref().is_some_and(|c| c.ready_state() == RtcDataChannelState::Open)
    }

    /// Sends one binary frame; returns whether the browser took it.
    pub fn send(&self, bytes: &[u8]) -> bool {
        let channel = self.channel.borrow();
        match channel.as_ref() {
            Some(c) if c.ready_state() == RtcDataChannelState::Open => c.send_with_u8_array(bytes).is_ok(),
            _ => false,
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(channel) = self.channel.borrow_mut().take() {
            channel.set_onopen(None);
            channel.set_onmessage(None);
            channel.set_onclose(None);
            channel.close();
        }
        self.pc.set_onicecandidate(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_ondatachannel(None);
        self.pc.close();
        self.callbacks.borrow_mut().clear();
    }
}

fn hook_channel(
    channel: &RtcDataChannel,
    peer: PeerId,
    id: u64,
    listener: &LinkListener,
    callbacks: &Rc<RefCell<Vec<Box<dyn std::any::Any>>>>,
) {
    channel.set_binary_type(RtcDataChannelType::Arraybuffer);
    let on_open = {
        let listener = listener.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| listener(peer, id, LinkEvent::Open))
    };
    let on_message = {
        let listener = listener.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Ok(buffer) = event.data().dyn_into::<ArrayBuffer>() else { return };
            if buffer.byte_length() as usize > MAX_FRAME_BYTES {
                return;
            }
            listener(peer, id, LinkEvent::Message(Uint8Array::new(&buffer).to_vec()));
        })
    };
    let on_close = {
        let listener = listener.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| listener(peer, id, LinkEvent::Closed))
    };
    channel.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    channel.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    callbacks.borrow_mut().extend([
        Box::new(on_open) as Box<dyn std::any::Any>,
        Box::new(on_message),
        Box::new(on_close),
    ]);
}

fn flush_candidates(pc: &RtcPeerConnection, pending: &RefCell<Vec<RtcIceCandidateInit>>) {
    for init in pending.borrow_mut().drain(..) {
        add_candidate(pc, &init);
    }
}

fn add_candidate(pc: &RtcPeerConnection, init: &RtcIceCandidateInit) {
    let promise = pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(init));
    // A candidate the browser cannot use is not worth more than a debug line.
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(promise).await;
    });
}

fn sdp_of(description: &JsValue) -> Result<String, JsValue> {
    Reflect::get(description, &"sdp".into())?.as_string().ok_or_else(|| JsValue::from_str("description without sdp"))
}
