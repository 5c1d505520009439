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
    #[error("the weights file has no tensor `{0}`")]
    MissingTensor(String),
    #[error("tensor `{name}` has shape {found:?}, the model needs {expected:?}")]
    WrongShape { name: String, expected: Vec<usize>, found: Vec<usize> },
    #[error("tensor `{name}` is stored as {found}; the model reads F32, or I8 with a `{name}.scale` F32 tensor")]
    WrongDtype { name: String, found: String },
    #[error("tensor `{name}` holds a NaN or an infinity")]
    NonFinite { name: String },
    #[error("could not write the quantized weights: {0}")]
    Serialize(String),
    #[error("the tokenizer failed: {0}")]
    Tokenizer(String),
    #[error("nothing to embed: the list of texts is empty")]
    EmptyBatch,
    #[error("{len} texts in one call, at most {max} are allowed: split the list")]
    BatchTooLarge { len: usize, max: usize },
    #[error("text {index} is {bytes} bytes long, at most {max} are allowed (only the first tokens count anyway)")]
    TextTooLong { index: usize, bytes: usize, max: usize },
    #[error("the compute device failed: {0}")]
    Device(String),
}
