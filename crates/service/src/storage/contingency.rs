//! The contingency tables (migration 0020_caea): CAEA grants, contingency series, and the
//! report state of CAEA vouchers and unused points of sale. Every query written once for both
//! dialects. It never decides anything (crates/service/src/contingency.rs does).
//!
//! Sections: grants and priming (grants.rs), issuing (issue), reports (report.rs, no_movement.rs).
