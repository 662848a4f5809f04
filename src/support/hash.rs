//! The hash maps and sets of the hot paths, with foldhash instead of the standard library's
//! SipHash.
//!
//! A run looks up every cell's metric name, region code and report key in hash maps: on the
//! national bench set SipHash (`core::hash::sip::Hasher::write`, `BuildHasher::hash_one`) was
//! 3.8 % of a first run's CPU samples, most of it for keys of a few bytes, where foldhash is
//! several times faster. Its seed is random per process like the standard one's, so nothing may
//! (and nothing does) depend on iteration order. foldhash is already built for hashbrown (through
//! arrow), with the same features: no build cost.

/// `std::collections::HashMap` with foldhash: make one with `HashMap::default()`.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// `std::collections::HashSet` with foldhash: make one with `HashSet::default()`.
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
