//! The per-thread generators ids are drawn from (see the [module docs](super#randomness) for
//! the choice of generators).

use std::cell::{Cell, RefCell};

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

thread_local! {
    static RNG: RefCell<Option<SmallRng>> = const { RefCell::new(None) };
    /// SplitMix64 counter for span-ids; 0 means "not seeded yet".
    static SPAN_COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// SplitMix64's increment: the odd integer closest to 2^64 / golden ratio.
const SPLITMIX_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function (Steele, Lea, Flood 2014; the constants of `java.util.
/// SplittableRandom`): a bijection on `u64`, so distinct counters give distinct outputs.
#[inline]
const fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Draws 64 bits for a span-id from this thread's SplitMix64 stream.
#[inline]
pub(super) fn span_id_bits() -> u64 {
    #[cold]
    #[inline(never)]
    fn seed() -> u64 {
        // Any value works as a counter; 0 is only the "unseeded" marker (reaching it again
        // after 2^64 draws just reseeds).
        with_rng(RngCore::next_u64) | 1
    }
    SPAN_COUNTER
        .try_with(|counter| {
            let mut state = counter.get();
            if state == 0 {
                state = seed();
            }
            state = state.wrapping_add(SPLITMIX_GAMMA);
            counter.set(state);
            splitmix64_mix(state)
        })
        // Thread teardown: fall back to the xoshiro generator.
        .unwrap_or_else(|_| with_rng(RngCore::next_u64))
}

/// Calls `f` with this thread's generator, seeding it from the OS on first use.
///
/// The slot has no destructor, so the access compiles to a plain thread-local address; the
/// seeding and the fallbacks live out of line. When the generator is unavailable (thread teardown,
/// or a reentrant call, which nothing in this crate makes) `f` gets a freshly seeded generator,
/// so this never panics.
#[inline]
fn with_rng<R>(f: impl FnOnce(&mut SmallRng) -> R) -> R {
    #[cold]
    #[inline(never)]
    fn fresh() -> SmallRng {
        SmallRng::from_os_rng()
    }
    let mut f = Some(f);
    let drawn = RNG.try_with(|rng| {
        let mut slot = rng.try_borrow_mut().ok()?;
        let rng = match &mut *slot {
            Some(rng) => rng,
            None => slot.insert(fresh()),
        };
        f.take().map(|f| f(rng))
    });
    match (drawn, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut fresh()),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!("with_rng: closure consumed without a result"),
    }
}

/// Draws 128 bits for a trace-id: two draws under one thread-local access.
#[inline]
pub(super) fn trace_id_bits() -> u128 {
    with_rng(|rng| (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_id_bits_do_not_repeat_on_a_thread() {
        let bits: std::collections::HashSet<u64> = (0..10_000).map(|_| span_id_bits()).collect();
        assert_eq!(bits.len(), 10_000);
        // The mixer is SplitMix64's: known first output for counter = gamma.
        assert_eq!(splitmix64_mix(SPLITMIX_GAMMA), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn trace_id_bits_differ_in_both_halves() {
        let (a, b) = (trace_id_bits(), trace_id_bits());
        assert_ne!(a >> 64, b >> 64);
        assert_ne!(a as u64, b as u64);
    }
}
