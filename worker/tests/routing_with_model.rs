//! The router on the labelled set (core/tests/data/routing_set.tsv) with the coordinator model
//! (the 8-bit weights the browser loads) reading every task's kind, beside the keyword rules the
//! app falls back to. Prints one JSON line per reader (docs/benchmarks.md).

mod common;
#[path = "../../core/tests/support/routing_set.rs"]
mod routing_set;

use std::collections::HashMap;

use amorph_core::router::{classify_by_rules, KindClassifier};

#[test]
fn the_model_routes_the_labelled_set_better_than_the_rules_and_never_breaks_privacy() {
    let embedder = common::load(&common::int8_weights());
    let embed = |texts: &[&str]| match futures_executor::block_on(embedder.embed(texts)) {
        Ok(vectors) => vectors,
        Err(e) => panic!("embedding failed: {e}"),
    };
    let examples = KindClassifier::example_texts();
    let classifier =
        KindClassifier::new(examples.chunks(32).flat_map(embed).collect()).expect("one embedding per example");
    let set = routing_set::load();
    let texts: Vec<&str> = set.iter().map(|task| task.text.as_str()).collect();
    let vectors: HashMap<&str, Vec<f32>> =
        texts.chunks(32).flat_map(|chunk| chunk.iter().copied().zip(embed(chunk))).collect();

    let model = routing_set::evaluate(|text| classifier.classify(text, &vectors[text]).expect("384 dimensions"));
    let rules = routing_set::evaluate(classify_by_rules);
    println!("{}", model.line("model"));
    println!("{}", rules.line("rules"));
    for miss in &model.misses {
        println!("model miss: {miss}");
    }
    assert!(model.privacy_violations.is_empty(), "{:#?}", model.privacy_violations);
    assert!(
        model.routes_right >= rules.routes_right && model.kinds_right > rules.kinds_right,
        "the model reads kinds no better than keywords: {} vs {}",
        model.line("model"),
        rules.line("rules")
    );
}
