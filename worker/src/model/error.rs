//! The one error type of the embedding model: every way loading or running it can fail.
//!
//! Each message says what is wrong in terms a caller can act on (re-download the weights, send
//! fewer texts…). Nothing in `model` panics on bytes or texts from outside the process: they end
//! up here instead.

/// Why the model could not be loaded, quantized or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the weights file is truncated: it needs at least {needed} bytes but has {got} (interrupted download?)")]
    Truncated { needed: u64, got: u64 },
    #[error("the weights file is not a readable safetensors file: {0}")]
    UnreadableHeader(String),
    #[error("tensor `{name}` holds a NaN or an infinity")]
    NonFinite { name: String },
    #[error("could not write the quantized weights: {0}")]
    Serialize(String),
}
