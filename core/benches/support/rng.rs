//! SplitMix64 and filler text for the benchmark history: tiny, seeded, identical natively and in
//! wasm32 (no floats, no platform entropy).

const WORDS: [&str; 16] = [
    "the", "model", "output", "data", "token", "review", "check", "swarm", "agent", "result", "page", "chart",
    "invoice", "résumé", "翻訳", "figure",
];

/// SplitMix64: tiny, seeded, identical natively and in wasm32.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    pub fn words(&mut self, min: u64, max: u64) -> String {
        let n = min + self.below(max - min + 1);
        (0..n).map(|_| WORDS[self.below(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    }
}
