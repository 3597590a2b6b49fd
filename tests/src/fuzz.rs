//! A small, deterministic mutation fuzzer for CI.
//!
//! Coverage-guided fuzzing runs with cargo-fuzz from tests/fuzz (see its
//! README). CI cannot count on that toolchain, so every fuzz target also
//! runs here: seeded mutations of seed inputs, a fixed number of
//! iterations, the same result every run. A failure prints the seed and the
//! iteration so it can be replayed.

/// xorshift64*: fast, seedable, good enough to mutate inputs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Tokens worth splicing into text formats (XML, configs).
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"\"",
    b"'",
    b"/>",
    b"</",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?",
    b"?>",
    b"&amp;",
    b"&#10;",
    b"&#x0;",
    b"&lt",
    b"=",
    b" ",
    b"\n",
    b"\r",
    b"\t",
    b"\0",
    b"\xff",
    b"\xc3\xa9",
    b"xmlns:x=\"u\" ",
    b"x:",
    b"<!DOCTYPE a>",
    b"id=\"a\" ",
    b"]",
];

/// One random mutation of `input`.
pub fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = v.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = rng.next_u64() as u8;
            }
            2 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(16) + 1).min(len);
                v.drain(a..b);
            }
            3 => {
                let i = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(i..i, t.iter().copied());
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(64) + 1).min(len);
                let chunk = v[a..b].to_vec();
                let i = rng.below(len + 1);
                v.splice(i..i, chunk);
            }
            5 if len > 0 => v.truncate(rng.below(len)),
            _ => {
                let i = rng.below(len + 1);
                v.insert(i, rng.next_u64() as u8);
            }
        }
    }
    v
}

/// Run `target` on `iterations` mutations of the seeds (and the seeds
/// themselves). Panics inside the target are reported with the seed and the
/// iteration that produced the input.
pub fn run(name: &str, seed: u64, seeds: &[Vec<u8>], iterations: usize, target: impl Fn(&[u8])) {
    assert!(!seeds.is_empty(), "{name}: no seed inputs");
    for s in seeds {
        target(s);
    }
    let seed = seed.wrapping_add(seed_offset());
    let mut rng = Rng::new(seed);
    for i in 0..iterations {
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, base);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&input)));
        if let Err(e) = outcome {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "fuzz target {name} failed at seed {seed} iteration {i}: {msg}\ninput: {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

/// `$ATRIUM_FUZZ_SEED` shifts every target's seed, for longer local campaigns.
fn seed_offset() -> u64 {
    std::env::var("ATRIUM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Iterations per target: `$ATRIUM_FUZZ_ITERATIONS` or the given default.
pub fn iterations(default: usize) -> usize {
    std::env::var("ATRIUM_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
