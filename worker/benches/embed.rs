//! Native throughput of the embedder on burn's flex CPU backend, one thread: embeddings per second
//! at batch 1 and at batch 16, over the first 16 test sentences (short requests in many scripts,
//! 8 to 59 tokens). Prints one JSON line per batch size. Needs the files of scripts/model.sh.

use amorph_worker::model::Embedder;
use burn::tensor::Device;
use std::time::{Duration, Instant};

const COMMAND: &str = "cargo bench -p amorph-worker --no-default-features --features model --bench embed";
const SENTENCES: &str = include_str!("../tests/sentences.json");
/// Each measurement repeats its rounds until it has run at least this long.
const MIN_TIME: Duration = Duration::from_secs(5);

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/model/");
    let read =
        |name: &str| std::fs::read(format!("{dir}{name}")).expect("public/model is missing: run scripts/model.sh");
    let embedder = Embedder::load(&read("minilm-f32.safetensors"), &read("tokenizer.json"), &Device::flex())
        .expect("the model loads");
    let sentences: Vec<String> = serde_json::from_str(SENTENCES).expect("sentences.json");
    let texts: Vec<&str> = sentences.iter().take(16).map(String::as_str).collect();

    for batch in [1, 16] {
        let round = || {
            for chunk in texts.chunks(batch) {
                futures_executor::block_on(embedder.embed(chunk)).expect("embeds");
            }
        };
        round(); // warm-up
        let start = Instant::now();
        let mut rounds = 0;
        while start.elapsed() < MIN_TIME {
            round();
            rounds += 1;
        }
        let per_second = (rounds * texts.len()) as f64 / start.elapsed().as_secs_f64();
        println!(
            r#"{{"bench":"embed","command":"{COMMAND}","backend":"flex","threads":1,"weights":"f32","batch":{batch},"embeddings_per_s":{per_second:.1}}}"#
        );
    }
}
