//! Randomness comes from the caller, so the crate stays pure and its tests deterministic.

use std::fmt;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{CryptoRng, Error, RngCore, SeedableRng};

/// A source of cryptographically secure random bytes, supplied by the caller to every
/// operation that needs randomness (key generation, encryption, protecting a key at rest).
///
/// The server implements it over the operating system's generator (e.g. `getrandom::fill`),
/// or seeds a [`SeededRng`] with 32 fresh bytes from it per operation. Implementations must be
/// unpredictable: a repeated or guessable stream reveals secret keys and message contents.
pub trait Entropy {
    /// Fills `dest` entirely with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

/// ChaCha20 seeded from 32 bytes: a deterministic [`Entropy`] for tests, and for callers that
/// draw one fresh seed from the OS per operation.
///
/// Never reuse a seed for two operations: two encryptions from the same seed share their
/// session key and IV.
pub struct SeededRng(ChaCha20Rng);

impl SeededRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn from_seed(seed: [u8; 32]) -> SeededRng {
        SeededRng(ChaCha20Rng::from_seed(seed))
    }
}

impl fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRng(..)")
    }
}

impl Entropy for SeededRng {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

/// Adapts an [`Entropy`] to the `rand_core` 0.6 traits rPGP asks for.
pub(crate) struct Rng<'a>(pub(crate) &'a mut dyn Entropy);

impl RngCore for Rng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.0.fill(dest);
        Ok(())
    }
}

/// The [`Entropy`] contract asks for a cryptographically secure source.
impl CryptoRng for Rng<'_> {}
