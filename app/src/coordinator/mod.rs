//! The coordinator on the main thread: plans a request (core's router, with the worker's model
//! reading each part's kind, or core's keyword rules while the model is absent), keeps the
//! owner's settings, and publishes this device's signed capability envelope.
//!
//! Owns the kind and sensitivity classifiers (the model's embeddings of every kind's and every
//! class's examples, built once per loaded model; the stricter of the model's and the rules'
//! sensitivity wins) and the envelope last published. Inference itself never runs here: every
//! embedding comes from the worker.

mod conditions;
mod envelope;
mod keys;
mod settings;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use amorph_core::router::{
    classify_by_rules, plan_parts_with_model, split, Context, Finding, KindClassifier, KindGuess,
    SensitivityClassifier, Step,
};
use amorph_worker::{BackendChoice, ModelVariant};
use leptos::prelude::*;

use crate::app::Actions;
use crate::swarm::now_ms;
use crate::ui_state::{ModelState, Ui};
use crate::worker_client::{self, WorkerRef};
pub use settings::Settings;

/// Remembers that the user loaded the model, so the next visit loads it (from the cache) at once.
const AUTOLOAD_KEY: &str = "amorph.model.autoload";

/// A plan and how its parts were read.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub steps: Vec<Step>,
    /// "the coordinator model" or why the keyword rules read the kinds.
    pub reader: String,
    /// The model did not read the parts: their privacy is the keyword rules' reading alone.
    pub rules_alone: bool,
}

/// The model's two readings of a part: its kind and its sensitivity.
struct Readers {
    kinds: KindClassifier,
    classes: SensitivityClassifier,
}

/// What components hold: Copy handles to the coordinator and its settings.
#[derive(Clone, Copy)]
pub struct Coordinator {
    inner: StoredValue<Rc<Inner>, LocalStorage>,
    pub settings: RwSignal<Settings>,
    /// Why stored settings could not be used, if so.
    pub settings_note: RwSignal<Option<String>>,
}

struct Inner {
    worker: WorkerRef,
    ui: Ui,
    /// Built from the loaded model; dropped when the model goes.
    classifier: RefCell<Option<Rc<Readers>>>,
}

impl Coordinator {
    pub fn start(ui: Ui, actions: Actions) -> Coordinator {
        let (stored, note) = Settings::load();
        let inner = Rc::new(Inner { worker: worker_client::start(ui), ui, classifier: RefCell::new(None) });
        let coordinator = Coordinator {
            inner: StoredValue::new_local(inner),
            settings: RwSignal::new(stored),
            settings_note: RwSignal::new(note),
        };
        conditions::watch(ui);
        envelope::keep_published(ui, actions, coordinator.settings);
        coordinator.follow_model();
        coordinator.sync_keys();
        if settings::local_storage().and_then(|s| s.get_item(AUTOLOAD_KEY).ok().flatten()).is_some() {
            coordinator.load_model(BackendChoice::Auto);
        }
        coordinator
    }

    fn with<T>(&self, f: impl FnOnce(&Rc<Inner>) -> T) -> T {
        self.inner.with_value(f)
    }

    pub fn load_model(&self, backend: BackendChoice) {
        self.with(|inner| inner.worker.load_model(ModelVariant::Int8, backend));
    }

    pub fn restart_worker(&self) {
        self.with(|inner| inner.worker.restart());
    }

    /// When a model becomes ready: remember to load it next time, and run the self-benchmark.
    /// When it goes: forget its classifier.
    fn follow_model(&self) {
        let this = *self;
        Effect::new(move |_| {
            let (ui, worker) = this.with(|inner| (inner.ui, inner.worker.clone()));
            match ui.model.get() {
                ModelState::Ready(_) => {
                    if let Some(storage) = settings::local_storage() {
                        let _ = storage.set_item(AUTOLOAD_KEY, "int8");
                    }
                    leptos::task::spawn_local(async move {
                        let report = worker.benchmark().await;
                        match report {
                            Ok(report) => ui.benchmark.set(Some(report)),
                            Err(why) => web_sys::console::warn_1(&format!("self-benchmark: {why}").into()),
                        }
                    });
                }
                _ => {
                    this.with(|inner| inner.classifier.replace(None));
                }
            }
        });
    }

    /// The kind and sensitivity classifiers for the loaded model, built on first use.
    async fn classifier(&self) -> Result<Rc<Readers>, String> {
        let (worker, cached) = self.with(|inner| (inner.worker.clone(), inner.classifier.borrow().clone()));
        if let Some(classifier) = cached {
            return Ok(classifier);
        }
        let embed_all = |texts: Vec<&'static str>| {
            let worker = worker.clone();
            async move {
                let mut embeddings = Vec::new();
                for chunk in texts.chunks(amorph_worker::protocol::MAX_EMBED_BATCH) {
                    embeddings.extend(worker.embed(chunk.iter().map(|t| t.to_string()).collect()).await?);
                }
                Ok::<_, String>(embeddings)
            }
        };
        let kinds = KindClassifier::new(embed_all(KindClassifier::example_texts()).await?)
            .ok_or("the model's embeddings do not match the kind examples")?;
        let classes = SensitivityClassifier::new(embed_all(SensitivityClassifier::example_texts()).await?)
            .ok_or("the model's embeddings do not match the sensitivity examples")?;
        let classifier = Rc::new(Readers { kinds, classes });
        self.with(|inner| inner.classifier.replace(Some(classifier.clone())));
        Ok(classifier)
    }

    /// Splits, reads and routes `request`. Nothing is sent anywhere: the plan is for the user to
    /// look at first.
    pub async fn plan(&self, request: String, actions: Actions) -> Result<Planned, String> {
        let parts = split(&request).map_err(|e| e.to_string())?;
        let ui = self.with(|inner| inner.ui);
        let (guesses, reader) = match ui.model.get_untracked() {
            ModelState::Ready(_) => match self.read_with_model(&parts).await {
                Ok(guesses) => (guesses, "the coordinator model, with the privacy rules".to_string()),
                Err(why) => {
                    (BTreeMap::new(), format!("keyword rules: the model failed ({why}); privacy by the rules alone"))
                }
            },
            ModelState::Failed(why) => (
                BTreeMap::new(),
                format!("keyword rules: the model is unavailable ({why}); privacy by the rules alone"),
            ),
            _ => (BTreeMap::new(), "keyword rules: the model is not loaded; privacy by the rules alone".to_string()),
        };
        let settings = self.settings.get_untracked();
        let peers = actions.candidates();
        let context = Context {
            registry: &settings.registry,
            keys: &settings.keys,
            budget_micros: settings.budget_micros,
            budget_credits: settings.budget_credits,
            peers: &peers,
            now_ms: now_ms(),
        };
        let classify =
            |text: &str| guesses.get(text).map(|(kind, _)| kind.clone()).unwrap_or_else(|| classify_by_rules(text));
        let sensitivity = |text: &str| guesses.get(text).map(|(_, class)| class.clone());
        let steps = plan_parts_with_model(&parts, classify, sensitivity, &context);
        Ok(Planned { steps, reader, rules_alone: guesses.is_empty() })
    }

    async fn read_with_model(&self, parts: &[String]) -> Result<BTreeMap<String, (KindGuess, Finding)>, String> {
        let classifier = self.classifier().await?;
        let worker = self.with(|inner| inner.worker.clone());
        // The model reads a few hundred tokens of each part; the worker takes at most 4 KiB each.
        let heads = parts.iter().map(|part| head(part, amorph_worker::protocol::MAX_EMBED_TEXT_BYTES).to_string());
        let vectors = worker.embed(heads.collect()).await?;
        parts
            .iter()
            .zip(vectors)
            .map(|(part, vector)| {
                let guess = classifier.kinds.classify(part, &vector).ok_or("an embedding has the wrong size")?;
                let class = classifier.classes.classify(&vector).ok_or("an embedding has the wrong size")?;
                Ok((part.clone(), (guess, class)))
            })
            .collect()
    }
}

/// The longest prefix of `text` within `bytes`, cut at a character boundary.
fn head(text: &str, bytes: usize) -> &str {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
