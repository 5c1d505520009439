//! The embedding model's public face: [`Embedder::load`] from bytes, [`Embedder::embed`] texts.
//!
//! Bounds every call (batch size, text length) so one request cannot take the worker down, and
//! reads results asynchronously, which WebGPU in a browser requires.

use super::bert::{Bert, VOCAB};
use super::layer::HIDDEN;
use super::pooling::mean_pool_normalized;
use super::tokenizer::TextTokenizer;
use super::weights::Weights;
use super::ModelError;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Length of an embedding.
pub const DIMENSIONS: usize = HIDDEN;
/// The most texts one [`Embedder::embed`] call takes.
pub const MAX_BATCH: usize = 64;
/// The longest text accepted, in UTF-8 bytes. Only the first [`super::MAX_TOKENS`] tokens count,
/// so this only bounds the tokenizer's work.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Added to the attention scores of padding keys: softmax gives them weight 0.
const MASKED_KEY_BIAS: f32 = -1.0e9;

/// all-MiniLM-L6-v2 loaded on a burn device: texts in, unit-length 384-float vectors out.
pub struct Embedder {
    tokenizer: TextTokenizer,
    bert: Bert,
    device: Device,
}

impl Embedder {
    /// Loads the model from safetensors bytes (float32, or the int8 form of
    /// [`super::quantize`]) and the bytes of its tokenizer.json, onto `device`.
    pub fn load(weights: &[u8], tokenizer_json: &[u8], device: &Device) -> Result<Self, ModelError> {
        let tokenizer = TextTokenizer::from_json(tokenizer_json)?;
        if tokenizer.vocab_size() > VOCAB {
            return Err(ModelError::Tokenizer(format!(
                "it knows {} tokens, the model only {VOCAB}: not this model's tokenizer.json",
                tokenizer.vocab_size()
            )));
        }
        let bert = Bert::load(&Weights::open(weights, device)?)?;
        Ok(Self { tokenizer, bert, device: device.clone() })
    }

    /// The token ids the model sees for `text`: [CLS], at most [`super::MAX_TOKENS`] - 2 tokens, [SEP].
    pub fn tokens(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        check_text(0, text)?;
        self.tokenizer.encode(text)
    }

    /// One embedding per text, in order: [`DIMENSIONS`] floats of unit length.
    pub async fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let pooled = self.forward(texts)?;
        let data = pooled.into_data_async().await.map_err(|e| ModelError::Device(e.to_string()))?;
        let values = data.try_into_vec_as::<f32>().map_err(|e| ModelError::Device(e.to_string()))?;
        Ok(values.chunks(DIMENSIONS).map(<[f32]>::to_vec).collect())
    }

    /// Queues the forward pass of `texts` on the device; returns the pooled `[texts, DIMENSIONS]`.
    fn forward(&self, texts: &[&str]) -> Result<Tensor<2>, ModelError> {
        if texts.is_empty() {
            return Err(ModelError::EmptyBatch);
        }
        if texts.len() > MAX_BATCH {
            return Err(ModelError::BatchTooLarge { len: texts.len(), max: MAX_BATCH });
        }
        for (index, text) in texts.iter().enumerate() {
            check_text(index, text)?;
        }
        let batch = self.tokenizer.encode_batch(texts)?;
        let (rows, len) = (batch.texts, batch.len);
        // Ids are below VOCAB (checked at load), so they fit an i32.
        let ids: Vec<i32> = batch.ids.iter().map(|&id| id as i32).collect();
        let key_bias: Vec<f32> = batch.mask.iter().map(|&real| if real { 0.0 } else { MASKED_KEY_BIAS }).collect();
        let mask: Vec<f32> = batch.mask.iter().map(|&real| f32::from(u8::from(real))).collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [rows, len]), &self.device);
        let key_bias = Tensor::<4>::from_data(TensorData::new(key_bias, [rows, 1, 1, len]), &self.device);
        let mask = Tensor::<3>::from_data(TensorData::new(mask, [rows, len, 1]), &self.device);
        Ok(mean_pool_normalized(self.bert.forward(ids, key_bias)?, mask))
    }
}

fn check_text(index: usize, text: &str) -> Result<(), ModelError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ModelError::TextTooLong { index, bytes: text.len(), max: MAX_TEXT_BYTES });
    }
    Ok(())
}
