// Starts the amorph-worker wasm inside a classic Web Worker (wasm-bindgen `no-modules` output).
// The app creates `new Worker("worker-loader.js")`; a failure here reaches the app's onerror.
importScripts("./amorph-worker.js");
wasm_bindgen({ module_or_path: "./amorph-worker_bg.wasm" });
