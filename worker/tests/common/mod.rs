//! What the model tests share: the files scripts/model.sh prepares, the reference embeddings, and
//! a way to run the async `embed` natively.
#![allow(dead_code)] // Each test file uses its own part of this module.

use amorph_worker::model::{Embedder, ModelError, MAX_TOKENS};
use burn::tensor::Device;
use serde::Deserialize;
use std::path::PathBuf;

/// The sentences the reference was computed for.
const SENTENCES: &str = include_str!("../sentences.json");

#[derive(Deserialize)]
pub struct Reference {
    pub model_sha256: String,
    pub max_tokens: usize,
    pub sentences: Vec<ReferenceSentence>,
}

#[derive(Deserialize)]
pub struct ReferenceSentence {
    pub text: String,
    pub tokens: Vec<u32>,
    pub embedding: Vec<f64>,
}

#[derive(Deserialize)]
struct Manifest {
    files: Vec<ManifestFile>,
}

#[derive(Deserialize)]
struct ManifestFile {
    name: String,
    sha256: String,
}

/// The bytes of `public/model/<name>`; fails the test, saying what to run, when it is missing.
pub fn model_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public/model").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing ({e}): run scripts/model.sh first", path.display()))
}

pub fn f32_weights() -> Vec<u8> {
    model_file("minilm-f32.safetensors")
}

pub fn int8_weights() -> Vec<u8> {
    model_file("minilm-int8.safetensors")
}

pub fn tokenizer_json() -> Vec<u8> {
    model_file("tokenizer.json")
}

/// The reference embeddings, checked to belong to these sentences, this model and `MAX_TOKENS`.
pub fn reference() -> Reference {
    let reference: Reference =
        serde_json::from_slice(&model_file("reference.json")).expect("reference.json: run scripts/model.sh again");
    let manifest: Manifest =
        serde_json::from_slice(&model_file("manifest.json")).expect("manifest.json: run scripts/model.sh again");
    let sentences: Vec<String> = serde_json::from_str(SENTENCES).expect("worker/tests/sentences.json is not JSON");
    let texts: Vec<&String> = reference.sentences.iter().map(|s| &s.text).collect();
    assert!(
        texts.iter().copied().eq(sentences.iter()),
        "reference.json was computed for other sentences: run scripts/model.sh"
    );
    let f32_sha = manifest.files.iter().find(|f| f.name == "minilm-f32.safetensors").map(|f| &f.sha256);
    assert_eq!(f32_sha, Some(&reference.model_sha256), "reference.json is for other weights: run scripts/model.sh");
    assert_eq!(reference.max_tokens, MAX_TOKENS, "reference.json truncates elsewhere: run scripts/model.sh");
    reference
}

pub fn load(weights: &[u8]) -> Embedder {
    match Embedder::load(weights, &tokenizer_json(), &Device::flex()) {
        Ok(embedder) => embedder,
        Err(e) => panic!("the model does not load: {e}"),
    }
}

/// Loading must fail; returns why.
pub fn load_error(weights: &[u8], tokenizer: &[u8]) -> ModelError {
    match Embedder::load(weights, tokenizer, &Device::flex()) {
        Ok(_) => panic!("loaded although it should not have"),
        Err(e) => e,
    }
}

/// `Embedder::embed`, driven to completion on this thread.
pub fn embed(embedder: &Embedder, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
    futures_executor::block_on(embedder.embed(texts))
}

pub fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * y).sum();
    let norm_a = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let norm_b = b.iter().map(|y| y.powi(2)).sum::<f64>().sqrt();
    dot / (norm_a * norm_b)
}
