//! Karma: one row per identity with its task completion and accuracy per domain (3 decimals).

use leptos::prelude::*;

use crate::ui_state::Ui;

#[component]
pub fn KarmaTable() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <section class="card karma-card" aria-labelledby="karma-heading">
            <h2 id="karma-heading">"Karma"</h2>
            <Show
                when=move || ui.karma.with(|k| !k.is_empty())
                fallback=|| view! { <p class="muted small">"Karma moves when a result is accepted or rejected."</p> }
            >
                <div class="table-scroll">
                    <table class="karma-table">
                        <thead>
                            <tr>
                                <th scope="col">"Identity · accuracy by domain"</th>
                                <th scope="col" class="num">"Completion"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                let me = ui.me.get();
                                ui.karma
                                    .get()
                                    .into_iter()
                                    .map(|(peer, karma)| {
                                        let did = peer.to_did();
                                        let row_did = did.clone();
                                        let mine = me == Some(peer);
                                        view! {
                                            <tr data-testid="karma-row" data-did=row_did>
                                                <th scope="row">
                                                    <code title=did>{peer.short()}</code>
                                                    {mine.then(|| view! { <span class="you">" (you)"</span> })}
                                                    <div class="domains">
                                                        {karma
                                                            .accuracy
                                                            .into_iter()
                                                            .map(|(domain, value)| {
                                                                view! {
                                                                    <span class="chip">
                                                                        {domain.clone()} " "
                                                                        <strong data-testid="karma-accuracy" data-domain=domain>
                                                                            {format!("{value:.3}")}
                                                                        </strong>
                                                                    </span>
                                                                }
                                                            })
                                                            .collect_view()}
                                                    </div>
                                                </th>
                                                <td class="num" data-testid="karma-completion">
                                                    {format!("{:.3}", karma.task_completion)}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
