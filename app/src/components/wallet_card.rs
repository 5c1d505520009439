//! My wallet: spendable balance, money locked in escrows of my tasks and in stakes of my claims,
//! and my recent movements (newest first), all as the economy fold derived them.

use amorph_core::ledger::{Entry, EntryKind};
use leptos::prelude::*;

use super::Did;
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
