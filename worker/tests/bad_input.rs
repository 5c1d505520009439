//! Bad weights, bad tokenizers and bad requests give a clear `ModelError`, never a panic.
//! Needs the files of scripts/model.sh (the bad files are made from the good ones).

mod common;

use amorph_worker::model::{ModelError, MAX_BATCH, MAX_TEXT_BYTES};
use common::{embed, f32_weights, int8_weights, load, load_error, tokenizer_json};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

/// A copy of the safetensors file `bytes` where `change` may replace (or, with `None`, drop) a tensor.
fn rewrite(
    bytes: &[u8],
    change: impl Fn(&str, &TensorView) -> Option<Option<(Dtype, Vec<usize>, Vec<u8>)>>,
) -> Vec<u8> {
    let file = SafeTensors::deserialize(bytes).unwrap();
    let mut owned = Vec::new();
    let mut kept = Vec::new();
    for (name, view) in file.iter() {
        match change(name, &view) {
            None => kept.push((name.to_string(), view)),
            Some(Some(replacement)) => owned.push((name.to_string(), replacement)),
            Some(None) => {}
        }
    }
    let replaced = owned
        .iter()
        .map(|(name, (dtype, shape, data))| (name.clone(), TensorView::new(*dtype, shape.clone(), data).unwrap()));
    safetensors::serialize(kept.into_iter().chain(replaced), None).unwrap()
}

#[test]
fn a_truncated_file_says_so() {
    let weights = f32_weights();
    let cut = &weights[..weights.len() / 2];
    assert!(matches!(load_error(cut, &tokenizer_json()), ModelError::Truncated { got, .. } if got == cut.len() as u64));
    // Cut inside the header, and before the header length.
    assert!(matches!(load_error(&weights[..100], &tokenizer_json()), ModelError::Truncated { .. }));
    assert!(matches!(load_error(&weights[..5], &tokenizer_json()), ModelError::Truncated { .. }));
    assert!(matches!(load_error(&[], &tokenizer_json()), ModelError::Truncated { .. }));
}

#[test]
fn flipped_header_bytes_make_it_unreadable() {
    let mut weights = int8_weights();
    for byte in &mut weights[8..40] {
        *byte ^= 0xff;
    }
    let error = load_error(&weights, &tokenizer_json());
    assert!(matches!(error, ModelError::UnreadableHeader(_)), "{error}");
}

#[test]
fn trailing_bytes_make_it_unreadable() {
    let mut weights = int8_weights();
    weights.extend_from_slice(b"extra");
    let error = load_error(&weights, &tokenizer_json());
    assert!(matches!(error, ModelError::UnreadableHeader(ref m) if m.contains("5 unexpected bytes")), "{error}");
}

#[test]
fn no_corruption_of_the_header_panics() {
    let weights = int8_weights();
    let header_end = 8 + u64::from_le_bytes(weights[..8].try_into().unwrap()) as usize;
    for position in (0..header_end).step_by(header_end / 20) {
        let mut corrupted = weights.clone();
        corrupted[position] ^= 0x5a;
        // Some flips leave a readable file (inside padding, say); none may panic.
        let _ = amorph_worker::model::Embedder::load(&corrupted, &tokenizer_json(), &burn::tensor::Device::flex());
    }
}

#[test]
fn random_bytes_are_not_weights() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..1 << 16)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let error = load_error(&bytes, &tokenizer_json());
    assert!(matches!(error, ModelError::UnreadableHeader(_)), "{error}");
}

#[test]
fn a_tensor_of_the_wrong_shape_is_named() {
    let name = "encoder.layer.3.intermediate.dense.weight";
    let weights = rewrite(&f32_weights(), |n, view| {
        (n == name).then(|| Some((Dtype::F32, vec![384, 1536], view.data().to_vec())))
    });
    match load_error(&weights, &tokenizer_json()) {
        ModelError::WrongShape { name: n, expected, found } => {
            assert_eq!((n.as_str(), expected, found), (name, vec![1536, 384], vec![384, 1536]));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_missing_tensor_is_named() {
    let name = "encoder.layer.5.output.LayerNorm.bias";
    let weights = rewrite(&f32_weights(), |n, _| (n == name).then_some(None));
    assert!(matches!(load_error(&weights, &tokenizer_json()), ModelError::MissingTensor(n) if n == name));
    // An int8 tensor without its scales cannot be read either.
    let scale = "encoder.layer.0.attention.self.query.weight.scale";
    let weights = rewrite(&int8_weights(), |n, _| (n == scale).then_some(None));
    assert!(matches!(load_error(&weights, &tokenizer_json()), ModelError::MissingTensor(n) if n == scale));
}

#[test]
fn a_tensor_of_the_wrong_type_is_named() {
    let name = "embeddings.LayerNorm.weight";
    let weights =
        rewrite(&f32_weights(), |n, view| (n == name).then(|| Some((Dtype::I32, vec![384], view.data().to_vec()))));
    assert!(matches!(load_error(&weights, &tokenizer_json()), ModelError::WrongDtype { name: n, .. } if n == name));
}

#[test]
fn a_non_finite_value_is_refused() {
    let name = "embeddings.LayerNorm.bias";
    let nan_first = |view: &TensorView| {
        let mut data = view.data().to_vec();
        data[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        Some((Dtype::F32, vec![384], data))
    };
    let weights = rewrite(&f32_weights(), |n, view| (n == name).then(|| nan_first(view)));
    assert!(matches!(load_error(&weights, &tokenizer_json()), ModelError::NonFinite { name: n } if n == name));
    // An infinite scale poisons a whole int8 row.
    let scale = "encoder.layer.1.output.dense.weight.scale";
    let inf_first = |view: &TensorView| {
        let mut data = view.data().to_vec();
        data[..4].copy_from_slice(&f32::INFINITY.to_le_bytes());
        Some((Dtype::F32, view.shape().to_vec(), data))
    };
    let weights = rewrite(&int8_weights(), |n, view| (n == scale).then(|| inf_first(view)));
    assert!(matches!(load_error(&weights, &tokenizer_json()), ModelError::NonFinite { name: n } if n == scale));
}

#[test]
fn a_broken_tokenizer_is_refused() {
    let weights = int8_weights();
    assert!(matches!(load_error(&weights, b"{not json"), ModelError::Tokenizer(_)));
    let tokenizer = tokenizer_json();
    assert!(matches!(load_error(&weights, &tokenizer[..tokenizer.len() / 2]), ModelError::Tokenizer(_)));
}

#[test]
fn bad_requests_are_refused() {
    let embedder = load(&int8_weights());
    assert!(matches!(embed(&embedder, &[]), Err(ModelError::EmptyBatch)));
    let many = vec!["a task"; MAX_BATCH + 1];
    assert!(
        matches!(embed(&embedder, &many), Err(ModelError::BatchTooLarge { len, max }) if len == MAX_BATCH + 1 && max == MAX_BATCH)
    );
    let huge = "word ".repeat(MAX_TEXT_BYTES);
    assert!(matches!(embed(&embedder, &["fine", &huge]), Err(ModelError::TextTooLong { index: 1, .. })));
    // The largest batch, and an empty text, are fine.
    assert_eq!(embed(&embedder, &vec![""; MAX_BATCH]).unwrap().len(), MAX_BATCH);
}
