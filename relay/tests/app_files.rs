//! The relay serves the built app compressed for a browser that accepts gzip, except files of no
//! known type (the model's weights): those barely compress and cost the relay a second of CPU per
//! download, so they go out as they are, byte for byte.

mod support;

use support::{app_dir, Relay, TempDir};

const ACCEPTS_GZIP: &str = "Accept-Encoding: gzip\r\n";

#[tokio::test]
async fn weights_go_out_as_they_are_and_the_app_gzipped() {
    let (app, data) = (app_dir(), TempDir::new("data"));
    std::fs::create_dir_all(app.0.join("model")).expect("model dir");
    // Pseudo-random bytes, like quantized weights.
    let weights: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    std::fs::write(app.0.join("model/minilm-int8.safetensors"), &weights).expect("write weights");
    std::fs::write(app.0.join("amorph-worker_bg.wasm"), b"\0asm".repeat(50_000)).expect("write wasm");
    let relay = Relay::start(&app.0, &data.0, &[]);
    let encoding = |headers: &[(String, String)]| {
        headers.iter().find(|(name, _)| name == "content-encoding").map(|(_, value)| value.clone())
    };

    let (status, headers, body) = relay.get_with("/model/minilm-int8.safetensors", ACCEPTS_GZIP).await;
    assert_eq!(status, 200);
    assert_eq!(encoding(&headers), None, "the weights are not compressed");
    assert!(body == weights, "the weights arrive byte for byte");

    let (status, headers, body) = relay.get_with("/amorph-worker_bg.wasm", ACCEPTS_GZIP).await;
    assert_eq!(status, 200);
    assert_eq!(encoding(&headers).as_deref(), Some("gzip"), "the app's wasm is compressed");
    assert!(body.len() < 200_000 / 10, "200 kB of repeated bytes shrink ({} bytes on the wire)", body.len());
}
