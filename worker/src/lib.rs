//! amorph-worker: Amorph's Web Worker (the inference plane).
//!
//! The library part is only the message protocol between the app and the worker, so the app can
//! depend on it (`default-features = false`) without compiling the worker runtime. The runtime
//! itself is the `amorph-worker` binary (feature `runtime`, built by trunk as a web worker).

pub mod protocol;

pub use protocol::{
    Backend, BackendChoice, BenchmarkReport, FromWorker, HardwareReport, LoadStage, ModelReport, ModelVariant, ToWorker,
};
