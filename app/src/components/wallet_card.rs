//! My wallet: spendable balance, money locked in escrows of my tasks and in stakes of my claims,
//! my recent movements (newest first), all as the economy fold derived them, and a form to send
//! money to another identity.

use amorph_core::events::{Event, Transfer};
use amorph_core::identity::PeerId;
use amorph_core::ledger::{Entry, EntryKind};
use leptos::prelude::*;

use super::Did;
use crate::app::Actions;
use crate::timeline::clock;
use crate::ui_state::Ui;

fn kind_text(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Grant => "grant",
        EntryKind::TransferIn => "transfer in",
        EntryKind::TransferOut => "transfer out",
        EntryKind::EscrowLocked => "escrow locked",
        EntryKind::Refund => "refund",
        EntryKind::Payout => "payout",
        EntryKind::RoutingFee => "routing fee",
        EntryKind::ProtocolFee => "protocol fee",
        EntryKind::JuryFee => "jury fee",
        EntryKind::StakeLocked => "stake locked",
        EntryKind::StakeReturned => "stake returned",
        EntryKind::StakeForfeited => "stake forfeited",
    }
}

#[component]
pub fn WalletCard() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let wallet = move || ui.me.get().and_then(|me| ui.with_views(|v| v.wallet(&me)));
    let currency = move || ui.with_views(|v| v.rules.currency.clone()).unwrap_or_default();
    let figure = move |pick: fn(&amorph_core::economy::Wallet) -> u64| move || wallet().map(|w| pick(&w).to_string());
    view! {
        <section class="card wallet-card" data-testid="wallet" aria-labelledby="wallet-heading">
            <h2 id="wallet-heading">"Wallet"</h2>
            <dl class="wallet-figures">
                <div>
                    <dt>"Balance"</dt>
                    <dd><strong data-testid="wallet-balance">{figure(|w| w.balance)}</strong>" "{currency}</dd>
                </div>
                <div>
                    <dt>"In escrow"</dt>
                    <dd data-testid="wallet-escrowed">{figure(|w| w.escrowed)}</dd>
                </div>
                <div>
                    <dt>"Staked"</dt>
                    <dd data-testid="wallet-staked">{figure(|w| w.staked)}</dd>
                </div>
            </dl>
            <TransferForm />
            <Show
                when=move || wallet().is_some_and(|w| !w.history.is_empty())
                fallback=|| view! { <p class="muted small">"No movements yet. New identities start at zero; the relay may grant a welcome sum."</p> }
            >
                <ol class="wallet-history small" data-testid="wallet-history">
                    {move || wallet().map(|w| w.history.into_iter().rev().map(history_row).collect_view())}
                </ol>
            </Show>
        </section>
    }
}

fn history_row(entry: Entry) -> impl IntoView {
    let (sign, class) = if entry.amount >= 0 { ("+", "in") } else { ("", "out") };
    view! {
        <li data-testid="wallet-entry" data-kind=kind_text(entry.kind)>
            <time>{clock(entry.at_ms)}</time>
            " "
            <span class="kind">{kind_text(entry.kind)}</span>
            " "
            <strong class=class>{format!("{sign}{}", entry.amount)}</strong>
            {entry.counterparty.map(|peer| view! { " · " <Did peer /> })}
        </li>
    }
}

/// Sends money to a did:key; core refuses an amount above the balance and the form says so.
#[component]
fn TransferForm() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let note = RwSignal::new(None::<Result<String, String>>);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let recipient = PeerId::from_did(to.get_untracked().trim()).map_err(|e| format!("Recipient: {e}"));
        let value =
            amount.get_untracked().trim().parse::<u64>().map_err(|_| "Amount must be a whole number.".to_string());
        let sent = recipient.and_then(|to| {
            let amount = value?;
            actions.publish(Event::Transfer(Transfer { to, amount, memo: String::new() })).map(|_| amount)
        });
        note.set(Some(match sent {
            Ok(amount) => {
                to.set(String::new());
                Ok(format!("Sent {amount}."))
            }
            Err(why) => Err(format!("Could not send: {why}")),
        }));
    };
    view! {
        <form class="transfer-form" on:submit=send aria-label="Send money">
            <input class="did-input" data-testid="transfer-to" type="text" placeholder="did:key:z6Mk… of the recipient"
                autocapitalize="none" spellcheck="false" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
            <input class="short" data-testid="transfer-amount" type="number" min="1" step="1" placeholder="amount"
                prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
            <button type="submit" class="secondary" data-testid="transfer-send">"Send"</button>
            {move || note.get().map(|note| match note {
                Ok(text) => view! { <p class="small muted wide" data-testid="transfer-note">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error small" role="alert" data-testid="transfer-error">{text}</p> }.into_any(),
            })}
        </form>
    }
}
