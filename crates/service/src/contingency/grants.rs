//! (to be written: see crates/service/src/contingency.rs)
