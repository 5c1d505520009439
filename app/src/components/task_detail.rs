//! A task's details, folded away under the card: its signed timeline, its place in a delegation
//! chain, its jury (who sits, how each voted, the verdict) and what it waits for.

use amorph_core::market::Task;
use leptos::prelude::*;

use super::jury_panel::case_state;
use super::Did;
use crate::app::Actions;
use crate::timeline::clock;
use crate::ui_state::Ui;

#[component]
pub fn TaskDetail(task: Task) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let actions = expect_context::<Actions>();
    let open = RwSignal::new(false);
    let id = task.id;
    let timeline = move || if open.get() { actions.timeline(id) } else { Vec::new() };
    let due = ui.with_views(|v| task.due_ms(&v.rules)).flatten();
    let parent_title = task
        .terms
        .parent
        .and_then(|parent| ui.with_views(|v| v.task(&parent).map(|p| p.terms.title.clone())).flatten());
    let jury = task.jury.clone();
    view! {
        <details class="task-detail" data-testid="task-details" on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
            <summary>"Timeline, chain and jury"</summary>
            {due.map(|due| view! { <p class="small muted" data-testid="task-due">"Waits until " {clock(due)}</p> })}
            {(task.depth > 0 || task.terms.delegation.allowed).then(|| view! {
                <div class="chain" data-testid="task-chain">
                    <span class="label">"Delegation"</span>
                    <p class="small">
                        {format!("level {} of at most {}", task.depth, task.max_depth)}
                        {parent_title.map(|t| format!(" · subtask of “{t}”"))}
                    </p>
                    {(!task.delegators.is_empty()).then(|| view! {
                        <ol class="delegators small">
                            {task.delegators.iter().map(|d| view! { <li><Did peer=*d testid="task-delegator" /></li> }).collect_view()}
                        </ol>
                    })}
                </div>
            })}
            {jury.map(|jury| {
                let verdict = match case_state(&task) {
                    "result stands" => "verdict: the result stands",
                    "rejection stands" => "verdict: the rejection stands",
                    "void" if !jury.can_decide() => "void: too few jurors of standing",
                    "void" => "void: no majority in time",
                    _ => "open",
                };
                view! {
                    <div class="jury" data-testid="task-jury" data-verdict=verdict>
                        <span class="label">{format!("Jury · {} of {} votes needed · {verdict}", jury.needed, jury.jurors.len())}</span>
                        <ul class="small">
                            {jury.jurors.iter().map(|juror| {
                                let vote = match jury.votes.get(juror) {
                                    Some(true) => "result stands",
                                    Some(false) => "rejection stands",
                                    None => "not voted",
                                };
                                view! { <li data-testid="task-juror" data-vote=vote><Did peer=*juror />" · " {vote}</li> }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
            <ol class="timeline small" data-testid="task-timeline">
                {move || timeline().into_iter().map(|item| view! {
                    <li data-testid="timeline-entry" data-kind=item.kind data-event=item.id.to_hex()>
                        <time>{clock(item.at_ms)}</time>" "<Did peer=item.author />" "{item.summary}
                    </li>
                }).collect_view()}
            </ol>
        </details>
    }
}
