//! One task on the board: its terms, where it stands, and only the actions the rules allow me now
//! (bid or claim with the stake it needs, award a bid, submit, accept or reject, dispute, vote as
//! a juror, cancel). Bidding and claiming first pass the owner's policy (kinds, data class, power).
//! A gated task I do not qualify for shows the unmet gate instead of a claim button. The signed
//! timeline, delegation chain and jury sit in the card's details (`TaskDetail`).

use amorph_core::events::Verification;
use amorph_core::events::{
    Award, Bid, Decision, Dispute, Event, JuryVote, ResultRejected, ResultSubmitted, TaskClaimed, TaskPosted, TaskRef,
};
use amorph_core::identity::PeerId;
use amorph_core::karma::decimal;
use amorph_core::market::{Task, TaskState};
use amorph_core::router::{detect, OwnerPolicy, Power, TaskKind};
use leptos::prelude::*;

use super::task_detail::TaskDetail;
use super::Did;
use crate::app::Actions;
use crate::coordinator::Coordinator;
use crate::ui_state::Ui;

/// What I may do with a task right now.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    Claim { stake: u64 },
    Gated(String),
    Submit,
    Decide,
    Dispute,
    Vote,
    Cancel,
    Watch,
}

fn role(task: &Task, me: PeerId, gate: Option<String>, min_stake: u64) -> Role {
    let requester = task.requester == me;
    match task.state {
        TaskState::Open | TaskState::Awarded if requester => Role::Cancel,
        TaskState::Open | TaskState::Awarded => {
            if task.award.is_some_and(|(_, bidder)| bidder != me) {
                Role::Watch
            } else if let Some(why) = gate {
                Role::Gated(why)
            } else {
                Role::Claim { stake: min_stake }
            }
        }
        TaskState::Claimed if task.executor == Some(me) => Role::Submit,
        TaskState::Submitted if requester && task.terms.verification == Verification::Requester => Role::Decide,
        TaskState::Rejected if task.executor == Some(me) => Role::Dispute,
        TaskState::Judging
            if task.jury.as_ref().is_some_and(|j| j.jurors.contains(&me) && !j.votes.contains_key(&me)) =>
        {
            Role::Vote
        }
        _ => Role::Watch,
    }
}

/// Why the owner's policy keeps this device from a task: its kind (when the domain names one), the
/// class of data its text holds, or the power source.
fn policy_refusal(policy: &OwnerPolicy, terms: &TaskPosted, power: Power) -> Option<String> {
    let class = detect(&format!("{}\n{}", terms.title, terms.description)).class;
    match TaskKind::from_name(&terms.domain) {
        Some(kind) => policy.permits(kind, class, power).err(),
        None => policy.permits_unnamed_kind(class, power).err(),
    }
}

#[component]
pub fn TaskCard(task: Task) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let actions = expect_context::<Actions>();
    let error = RwSignal::new(None::<String>);
    let result_text = RwSignal::new(String::new());
    let reason_text = RwSignal::new(String::new());
    let id = task.id;
    let status = task.state.as_str();
    let submission = task.submission.as_ref().map(|s| s.id);
    let case = task.jury.as_ref().map(|j| j.case);

    let shown = task.clone();
    let my_role = move || {
        let me = ui.me.get()?;
        let (gate, min_stake) = ui.economy.with(|e| {
            e.as_ref().map(|e| (e.gates.get(&id).cloned(), shown.min_stake(&e.views.rules))).unwrap_or_default()
        });
        Some(role(&shown, me, gate, min_stake))
    };
    let coordinator = expect_context::<Coordinator>();
    let terms = StoredValue::new(task.terms.clone());
    let run = move |event: Event| {
        // The owner's policy is enforced here, before this device bids on or takes on work.
        if matches!(event, Event::Bid(_) | Event::TaskClaimed(_)) {
            let power = ui.conditions.get_untracked().power;
            let refusal =
                terms.with_value(|t| coordinator.settings.with_untracked(|s| policy_refusal(&s.policy, t, power)));
            if let Some(why) = refusal {
                error.set(Some(format!("Not taken on: {why} (Settings).")));
                return;
            }
        }
        match actions.publish(event) {
            Ok(_) => error.set(None),
            Err(message) => error.set(Some(format!("Could not do that: {message}"))),
        }
    };
    let reason = move || reason_text.get_untracked().trim().to_string();
    let claim = move |stake| run(Event::TaskClaimed(TaskClaimed { task: id, stake }));
    let submit = move |_| run(Event::ResultSubmitted(ResultSubmitted::new(id, &result_text.get_untracked())));
    let decide = move |accept: bool| {
        let Some(submission) = submission else { return };
        run(if accept {
            Event::ResultAccepted(Decision { task: id, submission })
        } else {
            Event::ResultRejected(ResultRejected { task: id, submission, reason: reason() })
        })
    };
    let dispute = move |_| {
        if let Some(submission) = submission {
            run(Event::Dispute(Dispute { task: id, submission, reason: reason() }));
        }
    };
    let vote = move |for_executor| {
        if let Some(case) = case {
            run(Event::JuryVote(JuryVote { task: id, case, for_executor }));
        }
    };
    let cancel = move |_| run(Event::Cancel(TaskRef { task: id }));
    let bid_price = RwSignal::new(task.price.to_string());
    let bid_hours = RwSignal::new(String::from("24"));
    let domain = StoredValue::new(task.terms.domain.clone());
    let place_bid = move |_| {
        let (Ok(price), Ok(hours)) =
            (bid_price.get_untracked().trim().parse::<u64>(), bid_hours.get_untracked().trim().parse::<u64>())
        else {
            error.set(Some("A bid needs a whole price and a whole number of hours.".into()));
            return;
        };
        // My own estimate of my fitness: my accuracy in the task's domain, as the swarm knows it.
        let fitness_ppm = ui
            .me
            .get_untracked()
            .and_then(|me| {
                ui.economy.with_untracked(|e| {
                    domain.with_value(|d| e.as_ref()?.views.karma.get(&me)?.accuracy.get(d).copied())
                })
            })
            .unwrap_or(0);
        run(Event::Bid(Bid { task: id, price, eta_ms: hours.saturating_mul(3_600_000), fitness_ppm }));
    };
    let award = move |bid| run(Event::Award(Award { task: id, bid }));
    let open_to_bids = matches!(task.state, TaskState::Open);
    let bids_view = (!task.bids.is_empty()).then(|| {
        let requester = task.requester;
        view! {
            <ul class="bids small" data-testid="task-bids">
                {task.bids.iter().map(|b| {
                    let bid_id = b.id;
                    let may_award = move || open_to_bids && ui.me.get() == Some(requester);
                    view! {
                        <li data-testid="task-bid" data-bid=b.id.to_hex()>
                            <Did peer=b.bidder />
                            {format!(" bids {} · ready in {} h · fitness {}", b.price, b.eta_ms / 3_600_000, decimal(b.fitness_ppm, 3))}
                            <Show when=may_award>
                                <button type="button" class="secondary small" data-testid="award-bid" on:click=move |_| award(bid_id)>"Award"</button>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    });
    let reason_input = move |placeholder: &'static str, testid: &'static str| {
        view! {
            <input data-testid=testid type="text" maxlength="500" placeholder=placeholder aria-label=placeholder
                prop:value=move || reason_text.get() on:input=move |ev| reason_text.set(event_target_value(&ev)) />
        }
    };

    let actions_view = move || {
        my_role().map(|role| match role {
            Role::Claim { stake } => view! {
                <div class="task-actions">
                    <button type="button" class="primary" data-testid="claim-task" on:click=move |_| claim(stake)>
                        {format!("Claim (stake {stake})")}
                    </button>
                    <Show when=move || open_to_bids>
                        <span class="muted small">"or bid"</span>
                        <input class="short" data-testid="bid-price" type="number" min="0" step="1" aria-label="Bid price"
                            prop:value=move || bid_price.get() on:input=move |ev| bid_price.set(event_target_value(&ev)) />
                        <input class="short" data-testid="bid-hours" type="number" min="0" step="1" aria-label="Ready in hours"
                            prop:value=move || bid_hours.get() on:input=move |ev| bid_hours.set(event_target_value(&ev)) />
                        <span class="muted small">"h"</span>
                        <button type="button" class="secondary" data-testid="place-bid" on:click=place_bid>"Bid"</button>
                    </Show>
                </div>
            }
            .into_any(),
            Role::Gated(why) => view! {
                <p class="gate small" data-testid="claim-gate">"You cannot claim this yet: " {why}</p>
            }
            .into_any(),
            Role::Submit => view! {
                <div class="task-actions column">
                    <label class="field wide">
                        <span>"Your result"</span>
                        <textarea data-testid="result-input" rows="3" maxlength="4000"
                            prop:value=move || result_text.get()
                            on:input=move |ev| result_text.set(event_target_value(&ev))></textarea>
                    </label>
                    <button type="button" class="primary" data-testid="submit-result" on:click=submit>"Submit result"</button>
                </div>
            }
            .into_any(),
            Role::Decide => view! {
                <div class="task-actions">
                    <button type="button" class="primary" data-testid="accept-result" on:click=move |_| decide(true)>"Accept"</button>
                    {reason_input("Reason for rejecting", "reject-reason")}
                    <button type="button" class="danger" data-testid="reject-result" on:click=move |_| decide(false)>"Reject"</button>
                </div>
            }
            .into_any(),
            Role::Dispute => view! {
                <div class="task-actions">
                    {reason_input("Why the rejection is wrong", "dispute-reason")}
                    <button type="button" class="danger" data-testid="dispute-task" on:click=dispute>"Dispute before a jury"</button>
                </div>
            }
            .into_any(),
            Role::Vote => view! {
                <div class="task-actions jury-duty" data-testid="jury-duty">
                    <span class="label">"You sit on this jury:"</span>
                    <button type="button" class="primary" data-testid="vote-executor" on:click=move |_| vote(true)>"The result stands"</button>
                    <button type="button" class="danger" data-testid="vote-requester" on:click=move |_| vote(false)>"The rejection stands"</button>
                </div>
            }
            .into_any(),
            Role::Cancel => view! {
                <div class="task-actions">
                    <button type="button" class="secondary" data-testid="cancel-task" on:click=cancel>"Cancel and refund"</button>
                </div>
            }
            .into_any(),
            Role::Watch => ().into_any(),
        })
    };

    let terms = &task.terms;
    view! {
        <article class="task-card" data-testid="task-card" data-task-id=id.to_hex() data-status=status>
            <header class="task-head">
                <h3 data-testid="task-title-text">{terms.title.clone()}</h3>
                <span class=format!("badge status-{status}") data-testid="task-status">{status}</span>
            </header>
            {(!terms.description.is_empty()).then(|| view! { <p class="task-description">{terms.description.clone()}</p> })}
            <dl class="task-meta">
                <div><dt>"Domain"</dt><dd class="chip">{terms.domain.clone()}</dd></div>
                <div><dt>"Payment"</dt><dd data-testid="task-price">{task.price}</dd></div>
                <div><dt>"Requester"</dt><dd><Did peer=task.requester /></dd></div>
                {task.executor.map(|c| view! {
                    <div><dt>"Worker"</dt><dd><Did peer=c testid="task-claimant" /></dd></div>
                })}
                {(task.stake > 0).then(|| view! { <div><dt>"Stake"</dt><dd data-testid="task-stake">{task.stake}</dd></div> })}
                {(task.depth > 0).then(|| view! { <div><dt>"Depth"</dt><dd>{task.depth}</dd></div> })}
            </dl>
            {task.submission.as_ref().map(|s| view! {
                <div class="task-result">
                    <span class="label">"Result"</span>
                    <p data-testid="task-result">{s.result.clone()}</p>
                </div>
            })}
            {task.rejection.as_ref().map(|r| view! {
                <div class="task-reason">
                    <span class="label">"Rejection reason"</span>
                    <p data-testid="task-reason">{if r.reason.is_empty() { "(none given)".to_string() } else { r.reason.clone() }}</p>
                </div>
            })}
            {bids_view}
            {actions_view}
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="task-error">{message}</p> })}
            <TaskDetail task=task.clone() />
        </article>
    }
}
