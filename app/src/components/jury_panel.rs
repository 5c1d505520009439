//! Disputes and juries: every task that went to a jury, where its case stands, and whether I sit
//! on it (my vote buttons are on the task's card, which the row links to).

use amorph_core::market::Task;
use leptos::prelude::*;

use crate::ui_state::Ui;

/// Where a task's jury case stands, in a word: `result stands`, `rejection stands`, `void` (too
/// few jurors drawn, or no majority in time) or `open`.
pub(super) fn case_state(task: &Task) -> &'static str {
    match task.jury.as_ref().map(|j| (j.verdict, j.can_decide())) {
        Some((Some(true), _)) => "result stands",
        Some((Some(false), _)) => "rejection stands",
        Some((None, false)) => "void",
        Some((None, true)) if task.state.is_final() => "void",
        _ => "open",
    }
}

#[component]
pub fn JuryPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let cases = move || {
        let me = ui.me.get();
        ui.with_views(|views| {
            views
                .board
                .iter()
                .filter(|t| t.jury.is_some())
                .map(|t| {
                    let jury = t
                        .jury
                        .as_ref()
                        .map(|j| (j.jurors.len(), j.votes.len(), me.is_some_and(|m| j.jurors.contains(&m))));
                    let (jurors, votes, mine) = jury.unwrap_or_default();
                    (t.id, t.terms.title.clone(), case_state(t), jurors, votes, mine)
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    view! {
        <section class="card jury-card" aria-labelledby="jury-heading">
            <h2 id="jury-heading">"Disputes and juries"</h2>
            <Show
                when=move || !cases().is_empty()
                fallback=|| view! { <p class="muted small">"No jury cases. A rejected worker may dispute; jurors are drawn from members of standing."</p> }
            >
                <ul class="jury-cases">
                    {move || cases().into_iter().map(|(id, title, state, jurors, votes, mine)| view! {
                        <li data-testid="jury-case" data-task-id=id.to_hex() data-state=state data-mine=mine.to_string()>
                            <strong>{title}</strong>
                            " · " {state} " · " {format!("{votes} of {jurors} jurors voted")}
                            {mine.then(|| view! { <span class="badge">"you sit on it"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}
