//! The task board: the post form and one card per task, newest first (core's order). Carries the
//! restore and save markers (`data-restored`, `data-events`, `data-saved-events`) the browser tests
//! wait for.

use leptos::prelude::*;

use super::task_card::TaskCard;
use super::task_form::TaskForm;
use crate::ui_state::Ui;

#[component]
pub fn TaskBoard() -> impl IntoView {
    let ui = expect_context::<Ui>();
    // Core orders the board newest first.
    let tasks = move || ui.with_views(|v| v.board.clone()).unwrap_or_default();
    let empty = move || ui.with_views(|v| v.board.is_empty()).unwrap_or(true);
    view! {
        <section
            class="card board"
            data-testid="board"
            data-restored=move || ui.store.get().restored.to_string()
            data-events=move || ui.store.get().events.to_string()
            data-saved-events=move || ui.store.get().saved.to_string()
            aria-labelledby="board-heading"
        >
            <h2 id="board-heading">"Task board"</h2>
            <TaskForm />
            <div class="task-list">
                // A card is rebuilt whenever its task changed or the gates I face moved.
                <For
                    each=tasks
                    key=move |t| (t.id, t.changed_ms, t.timeline.len(), ui.economy.with_untracked(|e| e.as_ref().and_then(|e| e.gates.get(&t.id).cloned())))
                    let(task)
                >
                    <TaskCard task />
                </For>
            </div>
            <Show when=move || ui.store.get().restored && empty()>
                <p class="muted empty">"No tasks yet. Post the first one above."</p>
            </Show>
        </section>
    }
}
