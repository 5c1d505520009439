//! Karma and money of every identity this tab knows: one row each (balance, locked money,
//! standing, completion, accuracy per domain, tasks, earnings), and a bar chart of the whole karma
//! vector of the identity picked (mine until another is picked). Values are core's, in millionths,
//! shown truncated to three decimals (`karma::decimal`).

use amorph_core::economy::EconomyViews;
use amorph_core::identity::PeerId;
use amorph_core::karma::{decimal, KarmaVector};
use leptos::prelude::*;

use super::Did;
use crate::ui_state::Ui;

const CHART_WIDTH: u32 = 320;
const BAR_HEIGHT: u32 = 18;
const LABEL_WIDTH: u32 = 170;

fn ppm(value: u32) -> String {
    decimal(value, 3)
}

/// Every dimension of a vector as (name, millionths), in reading order.
fn dimensions(vector: &KarmaVector) -> Vec<(String, u32)> {
    let mut rows: Vec<(String, u32)> =
        vector.accuracy.iter().map(|(domain, v)| (format!("accuracy.{domain}"), *v)).collect();
    rows.extend(vector.skills.iter().map(|(skill, v)| (format!("skills.{skill}"), *v)));
    rows.push(("reliability.completion".into(), vector.reliability.completion_ppm));
    rows.push(("reliability.uptime".into(), vector.reliability.uptime_ppm));
    rows.push(("jury".into(), vector.jury_ppm));
    rows
}

/// The identities shown: everyone with karma or money.
fn members(views: &EconomyViews) -> Vec<PeerId> {
    let mut all: Vec<PeerId> = views.karma.keys().chain(views.wallets.keys()).copied().collect();
    all.sort();
    all.dedup();
    all
}

#[component]
pub fn KarmaPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let rows = move || {
        ui.with_views(|views| members(views).into_iter().map(|peer| member_row(ui, views, peer)).collect_view())
    };
    view! {
        <section class="card karma-card" aria-labelledby="karma-heading">
            <h2 id="karma-heading">"Members: karma and money"</h2>
            <div class="table-scroll">
                <table class="karma-table" data-testid="members">
                    <thead>
                        <tr>
                            <th scope="col">"Identity · accuracy by domain"</th>
                            <th scope="col" class="num">"Balance"</th>
                            <th scope="col" class="num">"Escrow / stake"</th>
                            <th scope="col" class="num">"Standing"</th>
                            <th scope="col" class="num">"Completion"</th>
                            <th scope="col" class="num">"Tasks · earned"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <KarmaChart />
        </section>
    }
}

fn member_row(ui: Ui, views: &EconomyViews, peer: PeerId) -> impl IntoView {
    let karma = views.karma.get(&peer).cloned().unwrap_or_default();
    let wallet = views.wallet(&peer);
    let standing = views.standing.get(&peer).copied().unwrap_or(0);
    let mine = ui.me.get_untracked() == Some(peer);
    view! {
        <tr data-testid="karma-row" data-did=peer.to_did()>
            <th scope="row">
                <Did peer />
                {mine.then(|| view! { <span class="you">" (you)"</span> })}
                <button type="button" class="link small" data-testid="inspect-karma" on:click=move |_| ui.inspected.set(Some(peer))>
                    "chart"
                </button>
                <div class="domains">
                    {karma.accuracy.iter().map(|(domain, value)| view! {
                        <span class="chip">
                            {domain.clone()} " "
                            <strong data-testid="karma-accuracy" data-domain=domain.clone()>{ppm(*value)}</strong>
                        </span>
                    }).collect_view()}
                </div>
            </th>
            <td class="num" data-testid="member-balance">{wallet.balance}</td>
            <td class="num" data-testid="member-locked">{format!("{} / {}", wallet.escrowed, wallet.staked)}</td>
            <td class="num" data-testid="member-standing">{ppm(standing)}</td>
            <td class="num" data-testid="karma-completion">{ppm(karma.reliability.completion_ppm)}</td>
            <td class="num" data-testid="member-tasks">{format!("{} · {}", karma.total_tasks, karma.total_earnings)}</td>
        </tr>
    }
}

/// The picked identity's vector as horizontal bars (0 to 1), one per dimension.
#[component]
fn KarmaChart() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let picked = move || ui.inspected.get().or_else(|| ui.me.get());
    let chart = move || {
        let peer = picked()?;
        let vector = ui.with_views(|v| v.karma.get(&peer).cloned().unwrap_or_default())?;
        let rows = dimensions(&vector);
        let height = BAR_HEIGHT * rows.len() as u32 + 4;
        let width = LABEL_WIDTH + CHART_WIDTH + 60;
        Some(view! {
            <figure class="karma-chart" data-testid="karma-chart" data-did=peer.to_did()>
                <figcaption class="small">"Karma vector of " <Did peer /></figcaption>
                <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label="karma vector bar chart">
                    {rows.into_iter().enumerate().map(|(i, (name, value))| {
                        let y = i as u32 * BAR_HEIGHT;
                        let bar = u64::from(value) * u64::from(CHART_WIDTH) / 1_000_000;
                        let label = name.clone();
                        view! {
                            <g data-testid="karma-bar" data-dimension=name data-value=ppm(value)>
                                <text x="0" y=y + 13 class="bar-label">{label}</text>
                                <rect x=LABEL_WIDTH y=y + 3 width=CHART_WIDTH height=BAR_HEIGHT - 6 class="bar-track" />
                                <rect x=LABEL_WIDTH y=y + 3 width=bar height=BAR_HEIGHT - 6 class="bar-fill" />
                                <text x=LABEL_WIDTH + CHART_WIDTH + 6 y=y + 13 class="bar-value">{ppm(value)}</text>
                            </g>
                        }
                    }).collect_view()}
                </svg>
                <p class="small muted">
                    {format!(
                        "trust depth {} · response {} ms · data sets: {}",
                        vector.trust_depth,
                        vector.reliability.response_ms,
                        if vector.data_access.is_empty() { "none".to_string() } else { vector.data_access.iter().cloned().collect::<Vec<_>>().join(", ") },
                    )}
                </p>
            </figure>
        })
    };
    view! { {chart} }
}
