//! Texts to token ids with the model's own tokenizer.json (BERT WordPiece, lowercasing), via the
//! `tokenizers` crate.
//!
//! The shipped tokenizer.json pads every text to 128 tokens and truncates at 128. Padding is turned
//! off here (a pad token that the pooling counted would drag every embedding towards the same point);
//! a batch is padded explicitly, to its longest text, with an attention mask. Texts are truncated
//! at [`MAX_TOKENS`], [CLS] and [SEP] included, as sentence-transformers does for this model.

use super::ModelError;
use tokenizers::{Tokenizer, TruncationParams};

/// The most tokens one text contributes, [CLS] and [SEP] included; the rest of a text is ignored.
pub const MAX_TOKENS: usize = 256;
/// The id of [PAD], used for the padding positions of a batch (masked out everywhere).
const PAD_ID: u32 = 0;

/// The model's tokenizer with padding off and truncation at [`MAX_TOKENS`].
pub(crate) struct TextTokenizer {
    inner: Tokenizer,
}

/// The token ids of a batch of texts, right-padded to its longest text.
pub(crate) struct Batch {
    /// Row-major `[texts, len]`.
    pub ids: Vec<u32>,
    /// Row-major `[texts, len]`: `true` for a real token, `false` for padding.
    pub mask: Vec<bool>,
    pub texts: usize,
    pub len: usize,
}

impl TextTokenizer {
    /// Reads a tokenizer.json.
    pub fn from_json(json: &[u8]) -> Result<Self, ModelError> {
        let mut inner = Tokenizer::from_bytes(json).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() }))
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(Self { inner })
    }

    /// The number of ids this tokenizer can produce (its vocabulary and added tokens).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The ids of one text: [CLS], its tokens, [SEP].
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        let encoding = self.inner.encode(text, true).map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// The ids of several texts, padded with [PAD] to the longest, and their attention mask.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Batch, ModelError> {
        let encoded = texts.iter().map(|text| self.encode(text)).collect::<Result<Vec<_>, _>>()?;
        let len = encoded.iter().map(Vec::len).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(texts.len() * len);
        let mut mask = Vec::with_capacity(texts.len() * len);
        for row in &encoded {
            ids.extend(row.iter().copied().chain(std::iter::repeat_n(PAD_ID, len - row.len())));
            mask.extend((0..len).map(|i| i < row.len()));
        }
        Ok(Batch { ids, mask, texts: texts.len(), len })
    }
}
