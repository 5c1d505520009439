//! One task on the board: its fields and status, and only the actions the rules allow me now
//! (claim, submit a result, accept or reject). Refusals from core are shown on the card.

use amorph_core::events::{Decision, Event, ResultRejected, ResultSubmitted, TaskClaimed};
use amorph_core::views::{TaskStatus, TaskView};
use leptos::prelude::*;

use crate::app::Actions;
use crate::ui_state::Ui;

#[component]
pub fn TaskCard(task: TaskView) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let actions = expect_context::<Actions>();
    let error = RwSignal::new(None::<String>);
    let result_text = RwSignal::new(String::new());
    let reason_text = RwSignal::new(String::new());
    let id = task.id;
    let status = task.status.as_str();

    let me = move || ui.me.get();
    let (requester, claimant) = (task.requester, task.claimant);
    let can_claim = move || task.status == TaskStatus::Open && me().is_some_and(|m| m != requester);
    let can_submit = move || task.status == TaskStatus::Claimed && me().is_some() && claimant == me();
    let can_decide =
        move || task.status == TaskStatus::Submitted && task.submission.is_some() && me() == Some(requester);

    let run = move |event: Event| match actions.publish(event) {
        Ok(_) => error.set(None),
        Err(message) => error.set(Some(format!("Could not do that: {message}"))),
    };
    let claim = move |_| run(Event::TaskClaimed(TaskClaimed { task: id, stake: 0 }));
    let submit =
        move |_| run(Event::ResultSubmitted(ResultSubmitted::new(id, &result_text.get_untracked())));
    // A verdict names the submission it judges (the card only offers it when there is one).
    let submission = task.submission;
    let accept = move |_| {
        if let Some(submission) = submission {
            run(Event::ResultAccepted(Decision { task: id, submission }));
        }
    };
    let reject = move |_| {
        if let Some(submission) = submission {
            let reason = reason_text.get_untracked().trim().to_string();
            run(Event::ResultRejected(ResultRejected { task: id, submission, reason }));
        }
    };

    let requester_did = requester.to_did();
    view! {
        <article class="task-card" data-testid="task-card" data-task-id=id.to_hex() data-status=status>
            <header class="task-head">
                <h3 data-testid="task-title-text">{task.title.clone()}</h3>
                <span class=format!("badge status-{status}") data-testid="task-status">{status}</span>
            </header>
            {(!task.description.is_empty()).then(|| view! { <p class="task-description">{task.description.clone()}</p> })}
            <dl class="task-meta">
                <div>
                    <dt>"Domain"</dt>
                    <dd class="chip">{task.domain.clone()}</dd>
                </div>
                <div>
                    <dt>"Reward"</dt>
                    <dd>{task.payment}</dd>
                </div>
                <div>
                    <dt>"Requester"</dt>
                    <dd>
                        <code title=requester_did.clone() data-did=requester_did>{requester.short()}</code>
                    </dd>
                </div>
                {claimant.map(|c| {
                    view! {
                        <div>
                            <dt>"Claimant"</dt>
                            <dd>
                                <code data-testid="task-claimant" data-did=c.to_did() title=c.to_did()>{c.short()}</code>
                            </dd>
                        </div>
                    }
                })}
            </dl>
            {task.result.clone().map(|result| view! {
                <div class="task-result">
                    <span class="label">"Result"</span>
                    <p data-testid="task-result">{result}</p>
                </div>
            })}
            {task.reason.clone().map(|reason| view! {
                <div class="task-reason">
                    <span class="label">"Rejection reason"</span>
                    <p data-testid="task-reason">{if reason.is_empty() { "(none given)".to_string() } else { reason }}</p>
                </div>
            })}
            <Show when=can_claim>
                <div class="task-actions">
                    <button type="button" class="primary" data-testid="claim-task" on:click=claim>"Claim"</button>
                </div>
            </Show>
            <Show when=can_submit>
                <div class="task-actions column">
                    <label class="field wide">
                        <span>"Your result"</span>
                        <textarea
                            data-testid="result-input"
                            rows="3"
                            maxlength="4000"
                            prop:value=move || result_text.get()
                            on:input=move |ev| result_text.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <button type="button" class="primary" data-testid="submit-result" on:click=submit>"Submit result"</button>
                </div>
            </Show>
            <Show when=can_decide>
                <div class="task-actions">
                    <button type="button" class="primary" data-testid="accept-result" on:click=accept>"Accept"</button>
                    <input
                        data-testid="reject-reason"
                        type="text"
                        maxlength="500"
                        placeholder="Reason for rejecting (optional)"
                        aria-label="Reason for rejecting"
                        prop:value=move || reason_text.get()
                        on:input=move |ev| reason_text.set(event_target_value(&ev))
                    />
                    <button type="button" class="danger" data-testid="reject-result" on:click=reject>"Reject"</button>
                </div>
            </Show>
            {move || error.get().map(|message| view! { <p class="error" role="alert" data-testid="task-error">{message}</p> })}
        </article>
    }
}
