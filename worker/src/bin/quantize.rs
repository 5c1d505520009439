//! amorph-quantize: writes the int8 form of a float32 safetensors file (see
//! `amorph_worker::model::quantize`). Used by scripts/model.sh.
//!
//! Usage: `amorph-quantize IN.safetensors OUT.safetensors`

use amorph_worker::model::quantize::quantize;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: amorph-quantize IN.safetensors OUT.safetensors");
        return ExitCode::from(2);
    };
    let result = std::fs::read(input)
        .map_err(|e| format!("cannot read {input}: {e}"))
        .and_then(|bytes| quantize(&bytes).map_err(|e| format!("{input}: {e}")).map(|q| (bytes.len(), q)))
        .and_then(|(before, q)| {
            std::fs::write(output, &q).map_err(|e| format!("cannot write {output}: {e}"))?;
            Ok((before, q.len()))
        });
    match result {
        Ok((before, after)) => {
            println!("amorph-quantize: {input} ({before} bytes) -> {output} ({after} bytes)");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("amorph-quantize: {message}");
            ExitCode::FAILURE
        }
    }
}
