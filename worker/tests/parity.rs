//! The burn embedder against the independent numpy reference (scripts/reference_embeddings.py):
//! same token ids, and embeddings within cosine 0.999 for every sentence, float32 and int8 weights.
//! Needs the files of scripts/model.sh.

mod common;

use amorph_worker::model::{Embedder, DIMENSIONS};
use common::{cosine, embed, f32_weights, int8_weights, load, reference};

/// Sentences per `embed` call: the batches mix short and long texts, so padding is exercised.
const BATCH: usize = 16;
const MIN_COSINE: f64 = 0.999;

#[test]
fn token_ids_equal_the_reference() {
    let embedder = load(&int8_weights());
    for sentence in reference().sentences {
        let tokens = embedder.tokens(&sentence.text).expect("tokenizes");
        assert_eq!(tokens, sentence.tokens, "token ids of {:?}", sentence.text);
    }
}

#[test]
fn float32_embeddings_match_the_reference() {
    let embedder = load(&f32_weights());
    assert_matches_reference(&embedder, "float32");

    // A text's embedding does not depend on the padding its batch adds.
    let short = "Is it going to rain in Lisbon this weekend?";
    let long = reference().sentences.into_iter().map(|s| s.text).max_by_key(String::len).unwrap();
    let alone = &embed(&embedder, &[short]).unwrap()[0];
    let padded = &embed(&embedder, &[short, &long]).unwrap()[0];
    let max_diff = alone.iter().zip(padded).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(max_diff < 1e-5, "padding moved the embedding by {max_diff}");
}

#[test]
fn int8_embeddings_match_the_reference() {
    assert_matches_reference(&load(&int8_weights()), "int8");
}

#[test]
fn a_paraphrase_is_closer_than_an_unrelated_sentence() {
    for (weights, name) in [(f32_weights(), "float32"), (int8_weights(), "int8")] {
        let embedder = load(&weights);
        let texts = [
            "How do I reset my password?",
            "I forgot my password, how can I change it?",
            "The train to Berlin leaves at noon.",
        ];
        let v = embed(&embedder, &texts).unwrap();
        let sim = |a: &[f32], b: &[f32]| -> f32 { a.iter().zip(b).map(|(x, y)| x * y).sum() };
        let (paraphrase, unrelated) = (sim(&v[0], &v[1]), sim(&v[0], &v[2]));
        println!("{name}: paraphrase {paraphrase:.4}, unrelated {unrelated:.4}");
        assert!(paraphrase > unrelated + 0.3, "{name}: paraphrase {paraphrase} vs unrelated {unrelated}");
    }
}

fn assert_matches_reference(embedder: &Embedder, name: &str) {
    let reference = reference();
    let mut worst = (f64::INFINITY, "");
    for chunk in reference.sentences.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|s| s.text.as_str()).collect();
        let embeddings = embed(embedder, &texts).expect("embeds");
        assert_eq!(embeddings.len(), texts.len());
        for (sentence, embedding) in chunk.iter().zip(&embeddings) {
            assert_eq!(embedding.len(), DIMENSIONS);
            let similarity = cosine(embedding, &sentence.embedding);
            assert!(similarity >= MIN_COSINE, "{name}: cosine {similarity} for {:?}", sentence.text);
            if similarity < worst.0 {
                worst = (similarity, &sentence.text);
            }
        }
    }
    println!("{name}: min cosine vs reference {:.7} (1 - cos = {:.1e}) for {:?}", worst.0, 1.0 - worst.0, worst.1);
}
